<?php
/**
 * The demo site's router for `php -S` (started by demo/run):
 *
 *   PRIEM_DEMO_SITE=<site root> PRIEM_DEMO_MAIL=<mail dir> php -d extension=…/libpriem.so \
 *       -S 127.0.0.1:8080 -t <site root> demo/router.php
 *
 *   /                   the general booking page (nc_priem::picker())
 *   /doctors/           the doctors' cards (the module's priem_doctors component templates)
 *   /doctors/<id>/      one doctor's card with the booking widget (nc_priem::widget($codes))
 *   /admin/             the module's admin under the NetCat stand-in
 *   /mail/              the letters the site sent (the demo's SMTP server keeps them)
 *   /netcat/…, /demo-photos/…  real files of the site root (the module's scripts run as in NetCat)
 */
$priem_demo_site = rtrim((string)getenv('PRIEM_DEMO_SITE'), '/');
$priem_demo_mail = rtrim((string)getenv('PRIEM_DEMO_MAIL'), '/');
$priem_demo_path = (string)parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);

// ---- real files -------------------------------------------------------------------------------
if (preg_match('~^/(netcat|demo-photos)/~', $priem_demo_path)) {
    $file = $priem_demo_site . $priem_demo_path;
    if (strpos($priem_demo_path, '..') === false && (is_file($file) || is_file(rtrim($file, '/') . '/index.php'))) {
        return false; // the built-in server serves it (and runs .php files)
    }
    http_response_code(404);
    header('Content-Type: text/plain; charset=utf-8');
    echo "Не найдено: $priem_demo_path\n";
    return true;
}
if (preg_match('~^/(favicon\.ico|robots\.txt)$~', $priem_demo_path)) {
    http_response_code(404);
    return true;
}

/** The page chrome: header, nav, inline CSS. */
function priem_demo_page($title, $body, $active)
{
    $nav = '';
    foreach (array('/' => 'Запись', '/doctors/' => 'Врачи', '/admin/' => 'Админка', '/mail/' => 'Почта') as $href => $label) {
        $nav .= '<a href="' . $href . '"' . ($href === $active ? ' class="on"' : '') . '>' . $label . '</a>';
    }
    header('Content-Type: text/html; charset=utf-8');
    echo '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        . '<title>' . htmlspecialchars($title) . ' — Клиника «Здоровье»</title><style>' . priem_demo_css() . '</style></head><body>'
        . priem_demo_header($nav) . '<main>' . $body . '</main>'
        . '<footer>Демонстрационный сайт модуля priem: NetCat-заглушка, симулятор МИС, локальная почта. '
        . 'Данные вымышлены.</footer></body></html>';
}

function priem_demo_header($nav)
{
    return '<header class="site"><div class="wrap"><a class="logo" href="/"><span class="cross">+</span>Клиника «Здоровье»</a>'
        . '<span class="tag">многопрофильный медицинский центр</span><nav>' . $nav . '</nav></div></header>';
}

function priem_demo_css()
{
    return 'body{margin:0;font:15px/1.5 "Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:#23313d;background:#f4f7f8}'
        . 'a{color:#1f6f8b}.wrap{max-width:1100px;margin:0 auto;padding:0 20px}'
        . 'header.site{background:#fff;border-bottom:3px solid #2f9e8f;box-shadow:0 1px 4px rgba(0,0,0,.05)}'
        . 'header.site .wrap{display:flex;align-items:center;gap:18px;min-height:64px;flex-wrap:wrap}'
        . '.logo{font-size:22px;font-weight:700;color:#1d5f73;text-decoration:none;display:flex;align-items:center;gap:10px}'
        . '.cross{display:inline-flex;width:30px;height:30px;border-radius:6px;background:#1b7569;color:#fff;align-items:center;justify-content:center;font-size:24px}'
        . '.tag{color:#5f6f7b;font-size:13px}nav{margin-left:auto;display:flex;gap:4px}'
        . 'nav a{padding:8px 14px;border-radius:6px;text-decoration:none;color:#23313d;font-weight:500}nav a:hover{background:#eef5f5}'
        . 'nav a.on{background:#1b7569;color:#fff}'
        . 'main{max-width:1100px;margin:24px auto;padding:0 20px;min-height:60vh}h1{font-size:26px;margin:0 0 14px;color:#1d3f4f}'
        . 'h2{font-size:19px;margin:22px 0 10px;color:#1d3f4f}.lead{color:#5a6b77;margin:0 0 18px}'
        . '.card{background:#fff;border:1px solid #e0e7ea;border-radius:10px;padding:18px 20px;margin:0 0 16px}'
        . '.placeholder{border:2px dashed #b9cdd3;border-radius:10px;padding:16px 18px;background:#fbfdfd;color:#4f6470;margin:0 0 16px}'
        . '.priem-clinics{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:14px}'
        . '.priem-clinic{background:#fff;border:1px solid #e0e7ea;border-radius:10px;padding:14px 16px}.priem-clinic__name{font-weight:600}'
        . '.priem-clinic__address,.priem-clinic__phone{color:#5a6b77;font-size:14px}'
        . '.priem-doctors{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:14px}'
        . '.priem-doctor{background:#fff;border:1px solid #e0e7ea;border-radius:10px;padding:14px 16px;height:100%;box-sizing:border-box}'
        . '.priem-doctor:hover{border-color:#2f9e8f;box-shadow:0 2px 8px rgba(47,158,143,.15)}'
        . '.priem-doctor__link{color:inherit;text-decoration:none}.priem-doctor__link:hover{color:#1f6f8b;text-decoration:underline}'
        . '.priem-doctor__book{display:inline-block;margin-top:8px;font-size:14px;font-weight:500}'
        . '.priem-doctor__photo{width:72px;height:72px;border-radius:50%;float:left;margin:0 12px 6px 0}'
        . '.priem-doctor--full .priem-doctor__photo{width:150px;height:150px;border-radius:12px;margin:0 22px 10px 0}'
        . '.priem-doctor__name{font-weight:600;color:#1d3f4f}.priem-doctor__specialty{color:#2f7d6d}'
        . '.priem-doctor__experience,.priem-doctor__price{color:#5a6b77;font-size:14px;margin:2px 0}'
        . '.priem-doctor--full{padding:22px 24px;overflow:hidden}.priem-doctor--full h1{margin-top:0}'
        . '.priem-doctor__booking{clear:both;padding-top:10px}'
        . '.grid-day{display:inline-block;vertical-align:top;margin:0 14px 14px 0;min-width:150px}.grid-day b{display:block;margin-bottom:4px}'
        . '.t{display:inline-block;padding:2px 7px;margin:2px;border-radius:5px;font-size:13px;background:#e3f4f1;color:#1d5f53}'
        . '.t.busy{background:#eef0f2;color:#a0aab2;text-decoration:line-through}'
        . 'table.mail{border-collapse:collapse;width:100%;background:#fff}table.mail td,table.mail th{border-bottom:1px solid #e0e7ea;padding:8px 10px;text-align:left;vertical-align:top}'
        . '.mail pre{white-space:pre-wrap;margin:8px 0 0;font:13px/1.45 "DejaVu Sans Mono",monospace;background:#f7f9fa;padding:10px;border-radius:6px}'
        . '.muted{color:#5f6f7b;font-size:13px}footer{max-width:1100px;margin:30px auto;padding:0 20px 30px;color:#5f6f7b;font-size:12px}'
        . '.demo-bar{background:#1d3f4f;color:#d8e6ea;font:13px/1.4 "Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;padding:6px 20px}'
        . '.demo-bar a{color:#fff;margin-right:14px}'
        // the booking widget in the clinic's teal (its custom properties, docs/api.md)
        . '.priem-widget{--priem-accent:#1b7569;--priem-accent-hover:#145a51;--priem-accent-soft:#e6f4f1}';
}

function priem_demo_h($s)
{
    return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8');
}

/** A read-only view of the stored grid (stand-in for the widget while nc_priem::widget() does not exist). */
function priem_demo_grid($priem, $codes)
{
    $settings = $priem->settings()->engine();
    $netcat = $priem->netcat();
    $html = '';
    foreach (preg_split('/[,;]/', (string)$codes) as $code) {
        $code = trim($code);
        if ($code === '') {
            continue;
        }
        $filial = null;
        if (strpos($code, ':') !== false) {
            list($filial, $code) = explode(':', $code, 2);
        }
        $rows = $netcat->rows('SELECT d.filial, f.name FROM Priem_Doctor d LEFT JOIN Priem_Filial f ON f.code = d.filial WHERE d.code = '
            . $netcat->quote($code) . ($filial !== null ? ' AND d.filial = ' . $netcat->quote($filial) : ''));
        if (!$rows) {
            $html .= '<p class="muted">Расписание врача ещё не пришло из МИС (код ' . priem_demo_h($code) . '): дождитесь импорта.</p>';
        }
        foreach ($rows as $row) {
            try {
                $grid = priem_grid($settings, $row['filial'], $code, null, 7);
            } catch (Exception $e) {
                $html .= '<p class="muted">' . priem_demo_h($e->getMessage()) . '</p>';
                continue;
            }
            $html .= '<h2>' . priem_demo_h($row['name']) . ' <span class="muted">— ' . priem_demo_h($grid['timezone'])
                . ', свободно ' . (int)$grid['free'] . '</span></h2>';
            foreach ($grid['days'] as $day) {
                $t = strtotime($day['date']);
                $wd = array('вс', 'пн', 'вт', 'ср', 'чт', 'пт', 'сб');
                $html .= '<div class="grid-day"><b>' . date('d.m', $t) . ', ' . $wd[(int)date('w', $t)] . '</b>';
                foreach ($day['parts'] as $part) {
                    foreach ($part['slots'] as $slot) {
                        $html .= '<span class="t' . ($slot['free'] ? '' : ' busy') . '" title="' . priem_demo_h($slot['start_utc']) . '">'
                            . priem_demo_h($slot['time_start']) . '</span>';
                    }
                }
                $html .= '</div>';
            }
        }
    }
    return $html;
}

// ---- the admin: the module's own admin.php under the stand-in --------------------------------
if (preg_match('~^/admin/?$~', $priem_demo_path)) {
    $_SERVER['SCRIPT_FILENAME'] = $priem_demo_site . '/netcat/modules/priem/admin.php';
    chdir($priem_demo_site . '/netcat/modules/priem');
    ob_start();
    require $priem_demo_site . '/netcat/modules/priem/admin.php';
    $priem_demo_html = ob_get_clean();
    $priem_demo_bar = '<div class="demo-bar"><a href="/">← на сайт</a>Админка модуля priem (NetCat-заглушка): '
        . '<a href="/admin/?controller=settings">Настройки</a><a href="/admin/?controller=status">Состояние</a>'
        . '<a href="/admin/?controller=bookings">Записи</a><a href="/mail/">Почта</a></div>';
    $priem_demo_css = '.demo-bar{background:#1d3f4f;color:#d8e6ea;font:13px/1.4 "Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;padding:6px 20px}'
        . '.demo-bar a{color:#fff;margin-right:14px}';
    $priem_demo_html = preg_replace('~<body([^>]*)>~', '<body$1><style>' . $priem_demo_css . '</style>' . $priem_demo_bar, $priem_demo_html, 1);
    echo $priem_demo_html;
    return true;
}

// ---- the mail list ----------------------------------------------------------------------------
if (preg_match('~^/mail/(\d+)\.eml$~', $priem_demo_path, $m)) {
    $file = "$priem_demo_mail/{$m[1]}.eml";
    if (!is_file($file)) {
        http_response_code(404);
        return true;
    }
    header('Content-Type: text/plain; charset=utf-8');
    readfile($file);
    return true;
}
if (preg_match('~^/mail/?$~', $priem_demo_path)) {
    $items = array();
    foreach ((array)glob("$priem_demo_mail/*.json") as $json) {
        $info = json_decode((string)file_get_contents($json), true);
        if (!is_array($info)) {
            continue;
        }
        $n = (int)basename($json, '.json');
        $date = '';
        $eml = "$priem_demo_mail/$n.eml";
        if (is_file($eml)) {
            $head = substr((string)file_get_contents($eml), 0, 8192);
            if (preg_match('/^Date:\s*(.+)$/mi', $head, $dm)) {
                $t = strtotime(trim($dm[1]));
                $date = $t ? date('d.m.Y H:i:s', $t) . ' UTC' : trim($dm[1]);
            }
        }
        if ($date === '') {
            $date = date('d.m.Y H:i:s', filemtime($json)) . ' UTC';
        }
        $items[$n] = array($info, $date);
    }
    krsort($items);
    $body = '<h1>Почта сайта</h1><p class="lead">Письма, которые модуль отправил через SMTP (локальный сервер демо, '
        . 'файлы .eml в demo/.run/mail/). Страница не обновляется сама — перезагрузите её после такта cron.</p>';
    if (!$items) {
        $body .= '<div class="placeholder">Писем пока нет. Они появятся, когда модуль сообщит о проблеме: например, '
            . 'выключите МИС (<code>tools/mis_simulator.py ctl down</code>), запишитесь и дождитесь следующего такта cron.</div>';
    } else {
        $body .= '<table class="mail"><tr><th style="width:170px">Дата</th><th>Письмо</th></tr>';
        foreach ($items as $n => $item) {
            list($info, $date) = $item;
            $text = isset($info['body']) && $info['body'] !== null ? $info['body'] : '(составное письмо: см. .eml)';
            $body .= '<tr><td>' . priem_demo_h($date) . '<br><a class="muted" href="/mail/' . $n . '.eml">' . $n . '.eml</a></td><td>'
                . '<b>' . priem_demo_h($info['subject']) . '</b><br><span class="muted">От: ' . priem_demo_h($info['from'])
                . ' · Кому: ' . priem_demo_h(implode(', ', (array)$info['rcpt_tos'])) . '</span>'
                . '<pre>' . priem_demo_h($text) . '</pre></td></tr>';
        }
        $body .= '</table>';
    }
    priem_demo_page('Почта', $body, '/mail/');
    return true;
}

if (preg_match('~^/politika-konfidentsialnosti/?$~', $priem_demo_path)) {
    priem_demo_page('Политика конфиденциальности', '<h1>Политика обработки персональных данных</h1><div class="card">'
        . '<p>Демонстрационный текст. Клиника «Здоровье» обрабатывает имя, телефон и комментарий, которые вы указали при записи, '
        . 'только чтобы записать вас на приём и связаться с вами по поводу записи (152-ФЗ «О персональных данных»).</p>'
        . '<p>На демонстрационном стенде данные никуда не отправляются: «МИС» — симулятор, письма остаются на этом компьютере.</p></div>', '');
    return true;
}

// ---- pages of the site: NetCat's environment, as a page of the site would have it ------------
if (!preg_match('~^/(doctors/(\d+/)?)?$~', $priem_demo_path)) {
    http_response_code(404);
    priem_demo_page('Страница не найдена', '<h1>Страница не найдена</h1><p><a href="/">На главную</a></p>', '');
    return true;
}
require_once $priem_demo_site . '/vars.inc.php';
require_once $ROOT_FOLDER . 'connect_io.php';
$nc_core->modules->load_env('ru');
require_once $MODULE_FOLDER . 'priem/autoload.php';
$priem = nc_priem::get_instance();
$priem_netcat = $priem->netcat();
$priem_doctors = (int)$priem_netcat->component_id('priem_doctors');
$priem_clinics = (int)$priem_netcat->component_id('priem_clinics');

if (preg_match('~^/doctors/(\d+)/$~', $priem_demo_path, $m)) {
    $row = $priem_netcat->rows("SELECT * FROM `Message$priem_doctors` WHERE `Message_ID` = " . (int)$m[1] . ' AND `Checked` = 1');
    if (!$row) {
        http_response_code(404);
        priem_demo_page('Врач не найден', '<h1>Врач не найден</h1><p><a href="/doctors/">Все врачи</a></p>', '/doctors/');
        return true;
    }
    $row = $row[0];
    // the object's page as NetCat renders it: the H1 from the component's TitleTemplate, then RecordTemplateFull
    $page = nc_standin_tpl::full_page($priem_doctors, (int)$m[1]);
    $body = '<p class="muted"><a href="/doctors/">Врачи</a> → ' . priem_demo_h($page['h1']) . '</p>'
        . '<h1>' . priem_demo_h($page['h1']) . '</h1>' . $page['body'];
    if (!method_exists($priem, 'widget')) {
        $body .= '<div class="placeholder"><b>Здесь будет виджет записи</b> — <code>nc_priem::get_instance()->widget(\''
            . priem_demo_h($row['MisCode']) . '\')</code> (появится в следующей версии модуля). Пока — расписание из базы сайта, '
            . 'как его видит модуль (зачёркнуто — занято):' . priem_demo_grid($priem, $row['MisCode']) . '</div>';
    }
    priem_demo_page($row['Name'], $body, '/doctors/');
    return true;
}

if ($priem_demo_path === '/doctors/') {
    // the component's list as NetCat renders it; each record links to its page ($fullLink)
    $list = nc_standin_tpl::object_list($priem_doctors, array('link' => function (array $row) {
        return '/doctors/' . (int)$row['Message_ID'] . '/';
    }));
    $body = '<h1>Наши врачи</h1><p class="lead">Выберите врача, чтобы увидеть свободное время и записаться.</p>' . $list;
    priem_demo_page('Врачи', $body, '/doctors/');
    return true;
}

// "/": the general booking page
$body = '<h1>Запись на приём</h1><p class="lead">Выберите клинику, специальность, врача и удобное время — '
    . 'запись сразу попадает в медицинскую систему клиники.</p>';
if (method_exists($priem, 'picker')) {
    $body .= '<div class="card">' . $priem->picker() . '</div>';
} else {
    $body .= '<div class="placeholder"><b>Здесь будет форма записи</b> — <code>nc_priem::get_instance()->picker()</code> '
        . '(клиника → специальность → врач → день → время; появится в следующей версии модуля). '
        . 'Пока запишитесь со страницы врача: <a href="/doctors/">все врачи</a>.</div>';
}
$body .= '<h2>Наши клиники</h2>' . nc_standin_tpl::object_list($priem_clinics);
priem_demo_page('Запись на приём', $body, '/');
return true;
