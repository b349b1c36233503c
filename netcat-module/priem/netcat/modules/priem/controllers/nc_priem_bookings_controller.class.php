<?php

/** «Записи»: the bookings journal with filters, «Повторить отправку», and the erasure of a patient's data on request. */
class nc_priem_bookings_controller extends nc_priem_admin_controller
{
    protected $writes = array('retry', 'erase');

    protected function action_index(array $messages = array())
    {
        return $this->view('messages', array('messages' => $messages)) . $this->journal()
            . $this->view('erasure', array('log' => $this->erasures()));
    }

    /** «Удалить данные»: one person's data by phone number (152-ФЗ), through priem_erase_person(). */
    protected function action_erase()
    {
        return $this->action_index($this->erase(
            isset($this->post['phone']) ? $this->post['phone'] : '',
            isset($this->post['confirm']) && $this->post['confirm'] === '1'
        ));
    }

    /** @return array ['ok' | 'error' => message] */
    protected function erase($phone, $confirmed)
    {
        if (trim($phone) === '') {
            return array('error' => 'Укажите номер телефона пациента');
        }
        if (!$confirmed) {
            return array('error' => 'Данные не удалены: подтвердите, что пациент просил удалить свои данные');
        }
        $problem = nc_priem::extension_problem();
        if ($problem !== null) {
            return array('error' => $problem);
        }
        try {
            $r = priem_erase_person($this->priem->settings()->engine(), $phone, $this->netcat->admin_user());
        } catch (Throwable $e) {
            return $this->failure('Данные не удалены: ', $e);
        }
        return $r['erased'] ? array('ok' => $r['message']) : array('error' => 'Данные не удалены: ' . $r['message']);
    }

    /** The last erasures (who and when, never whose), or none when the extension cannot tell. */
    private function erasures()
    {
        if (nc_priem::extension_problem() !== null) {
            return array();
        }
        try {
            return priem_erasures($this->priem->settings()->engine(), 10);
        } catch (Throwable $e) {
            return array();
        }
    }

    /** "Повторить отправку" of one booking (unknown or queued) through priem_retry(). */
    protected function action_retry()
    {
        return $this->action_index($this->retry(isset($this->post['id']) ? $this->post['id'] : ''));
    }

    /** @return array ['ok' | 'error' => message, 'result' => priem_retry()'s result] */
    protected function retry($id)
    {
        if (!preg_match('/^[1-9][0-9]{0,17}$/', (string)$id)) {
            return array('error' => 'Не указан номер записи');
        }
        $problem = nc_priem::extension_problem();
        if ($problem !== null) {
            return array('error' => $problem);
        }
        $n = 'Запись №' . $id . ': ';
        try {
            $r = priem_retry($this->priem->settings()->engine(), (int)$id);
        } catch (Throwable $e) {
            return $this->failure($n, $e);
        }
        // what the staff are told is the extension's (priem_retry's text)
        return array($r['ok'] ? 'ok' : 'error' => $n . $this->without_secrets((string)$r['text']), 'result' => (string)$r['result']);
    }
}
