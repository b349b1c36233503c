<?php

/**
 * «Коды МИС»: codes of the MIS schedule with no card, cards the MIS never mentions, and the codes
 * of switched-off cards (online booking closed, no alert).
 */
class nc_priem_codes_controller extends nc_priem_admin_controller
{
    protected function action_index()
    {
        $cards = $this->priem->catalog()->codes();
        return $this->view('codes', array(
            'alerts' => $this->view('alerts', array('title' => 'Расхождения кодов', 'alerts' => $this->alerts('codes'))),
            'off' => $cards === null ? array() : priem_cards_off($cards),
        ));
    }
}
