<?php

/** «Коды МИС»: codes of the MIS schedule with no card, and cards the MIS never mentions. */
class nc_priem_codes_controller extends nc_priem_admin_controller
{
    protected function action_index()
    {
        return $this->view('codes', array(
            'alerts' => $this->view('alerts', array('title' => 'Расхождения кодов', 'alerts' => $this->alerts('codes'))),
        ));
    }
}
