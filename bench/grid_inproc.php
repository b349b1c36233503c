<?php
/**
 * In-process part of bench/grid.sh: one PHP process per mode, the site of bench/grid_setup.php.
 *
 *   php -d extension=… bench/grid_inproc.php MODE ROOT NOW_UTC [CALLS]
 *
 * MODE:
 *   ext        priem_grid($settings, filial, doctor, NOW_UTC, 30) over random doctors (seed 42),
 *              with the engine's defaults: grids kept in the process between calls (32 MiB, ~250
 *              grids of this size for 300 doctors), built again when their stored days change;
 *   ext-cold   the same with booking.grid_cache_mb = 0: every grid read, unpacked and built;
 *   json       priem_grid_json(), the whole answer as JSON text: what the extension endpoint
 *              (bench/grid_ext_endpoint.php) and api.php call;
 *   plain-json priem_plain_grid(…, form: true) + json_encode: the plain endpoint's answer;
 *   plain      priem_plain_grid() of bench/grid_plain.php over the same doctors;
 *   api        the whole api.php request in-process as php-fpm runs it, minus HTTP: a fresh
 *              nc_Core (its own DB connection, as every request opens one) and nc_priem, then
 *              nc_priem_api::handle(GET action=grid) with the clock at NOW_UTC, body json_encoded;
 *   api-lean   api.php's lean grid entry as php-fpm runs it once a worker keeps the settings and
 *              cards: nc_priem_api::serve_kept() (vars.inc.php read, one check statement,
 *              priem_visitor_grid_json) at the real clock, after one full-path request kept them;
 *   breakdown  where api's time goes: the same steps one by one (core + connection, the settings
 *              (settings()->engine(true)), the cards (catalog), priem_grid_json with them), with
 *              the SQL statements the PHP side sends per request;
 *   sql        the database alone, same doctors: the slot query of both implementations (with
 *              and without the holds join), the packed days (Priem_Day) and the holds of the window;
 *   check      ext against plain on CALLS doctors (and an unknown doctor): identical arrays after a
 *              JSON round trip; prints "outputs identical: yes/no".
 * Timed modes print one JSON line: calls, p50/p99/mean/max µs, calls/s (calls ÷ wall time of the
 * loop), mean slots and JSON bytes per grid. 50 untimed calls come first (connections, caches).
 */
if ($argc < 4) {
    fwrite(STDERR, "usage: php -d extension=… bench/grid_inproc.php ext|ext-cold|plain|json|plain-json|api|api-lean|breakdown|sql|check ROOT NOW_UTC [CALLS]\n");
    exit(2);
}
$mode = $argv[1];
$root = rtrim($argv[2], '/');
$now_utc = $argv[3];
$calls = isset($argv[4]) ? (int)$argv[4] : 2000;
$now = strtotime($now_utc);
$cfg = require "$root/bench-config.php";
require_once __DIR__ . '/grid_plain.php';
$pairs = array();
foreach (file("$root/bench-doctors.txt", FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $line) {
    $pairs[] = explode(' ', $line, 2);
}
if ($mode === 'api' || $mode === 'api-lean' || $mode === 'breakdown') {
    // what api.php does first: vars.inc.php, connect_io.php, the modules' environment, autoload
    require "$root/netcat/modules/priem/bootstrap.php";
}

mt_srand(42);
$order = array();
for ($i = 0; $i < $calls + 50; $i++) {
    $order[] = $pairs[mt_rand(0, count($pairs) - 1)];
}

function percentile(array $sorted, $p)
{
    $i = (int)ceil($p / 100 * count($sorted)) - 1;
    return $sorted[max(0, min(count($sorted) - 1, $i))];
}

function report($mode, array $us, $wall, $slots, $bytes, array $extra = array())
{
    sort($us);
    $n = count($us);
    echo json_encode(array_merge(array(
        'mode' => $mode, 'calls' => $n,
        'p50_us' => round(percentile($us, 50), 1), 'p99_us' => round(percentile($us, 99), 1),
        'mean_us' => round(array_sum($us) / $n, 1), 'max_us' => round($us[$n - 1], 1),
        'calls_s' => round($n / $wall, 1), 'slots' => round($slots / $n, 1), 'json_bytes' => round($bytes / $n),
    ), $extra)), "\n";
}

function slot_count(array $g)
{
    $n = 0;
    foreach ($g['days'] as $d) {
        foreach ($d['parts'] as $p) {
            $n += count($p['slots']);
        }
    }
    return $n;
}

$days = (int)$cfg['days'];
$min_notice = (int)$cfg['min_notice'];
$settings = $cfg['settings'];

switch ($mode) {
    case 'ext':
    case 'ext-cold':
    case 'plain':
    case 'json':
    case 'plain-json':
        if ($mode === 'ext-cold') {
            $settings['booking']['grid_cache_mb'] = 0;
        }
        $m = substr($mode, 0, 5) === 'plain' ? priem_plain_db($cfg['db']) : null;
        $us = array();
        $slots = $bytes = 0;
        $wall = 0.0;
        foreach ($order as $k => $p) {
            $t = hrtime(true);
            switch ($mode) {
                case 'plain':
                    $g = priem_plain_grid($m, $p[0], $p[1], $now, $days, $min_notice);
                    break;
                case 'json': // what bench/grid_ext_endpoint.php answers
                    $json = priem_grid_json($settings, $p[0], $p[1], $now_utc, $days);
                    break;
                case 'plain-json': // what bench/grid_plain_endpoint.php answers
                    $json = json_encode(priem_plain_grid($m, $p[0], $p[1], $now, $days, $min_notice, true),
                        JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
                    break;
                default:
                    $g = priem_grid($settings, $p[0], $p[1], $now_utc, $days);
            }
            $dt = (hrtime(true) - $t) / 1e3;
            if ($k < 50) {
                continue;
            }
            $us[] = $dt;
            $wall += $dt / 1e6;
            if (substr($mode, -4) === 'json') {
                $g = json_decode($json, true);
            } else {
                $json = json_encode($g, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
            }
            $slots += slot_count($g);
            $bytes += strlen($json);
        }
        report($mode, $us, $wall, $slots, $bytes);
        break;

    case 'sql':
        // the database's share: the slot query both implementations send, and what reading the
        // packed days (Priem_Day.packed, ~30 rows of ~0.5 KB) plus the window's holds would cost
        $m = priem_plain_db($cfg['db']);
        $from = gmdate('Y-m-d H:i:s', $now + $min_notice * 60);
        $to = gmdate('Y-m-d H:i:s', $now + ($days + 1) * 86400);
        $queries = array(
            'sql: slots ⟕ holds' => 'SELECT s.date, s.start_min, s.end_min, s.start_utc, s.end_utc, s.free, s.room, '
                . 'h.booking_id IS NOT NULL FROM Priem_Slot s LEFT JOIN Priem_Hold h ON h.filial = s.filial '
                . 'AND h.doctor = s.doctor AND h.start_utc = s.start_utc WHERE s.filial = ? AND s.doctor = ? '
                . 'AND s.start_utc >= ? AND s.start_utc < ? ORDER BY s.start_utc',
            'sql: slots alone' => 'SELECT date, start_min, end_min, start_utc, end_utc, free, room FROM Priem_Slot '
                . 'WHERE filial = ? AND doctor = ? AND start_utc >= ? AND start_utc < ? ORDER BY start_utc',
            'sql: packed days' => 'SELECT date, packed FROM Priem_Day WHERE filial = ? AND doctor = ? '
                . 'AND last_utc >= ? AND first_utc < ?',
            'sql: holds alone' => 'SELECT start_utc FROM Priem_Hold WHERE filial = ? AND doctor = ? '
                . 'AND start_utc >= ? AND start_utc < ?',
        );
        foreach ($queries as $label => $sql) {
            $st = $m->prepare($sql);
            $us = array();
            $rows = 0;
            $wall = 0.0;
            foreach ($order as $k => $p) {
                $t = hrtime(true);
                $st->bind_param('ssss', $p[0], $p[1], $from, $to);
                $st->execute();
                $n = count($st->get_result()->fetch_all(MYSQLI_NUM));
                $dt = (hrtime(true) - $t) / 1e3;
                if ($k < 50) {
                    continue;
                }
                $us[] = $dt;
                $wall += $dt / 1e6;
                $rows += $n;
            }
            report($label, $us, $wall, $rows, 0);
        }
        break;

    case 'api':
        $clock = function () use ($now) {
            return $now;
        };
        $us = array();
        $bytes = 0;
        $wall = 0.0;
        $bad = 0;
        foreach ($order as $k => $p) {
            $t = hrtime(true);
            nc_Core::reset_object();
            nc_priem::set_instance(null);
            $api = new nc_priem_api(nc_priem::get_instance(), $clock);
            list($status, , $body) = $api->handle(array('REQUEST_METHOD' => 'GET'),
                array('action' => 'grid', 'filial' => $p[0], 'doctor' => $p[1]), '');
            $dt = (hrtime(true) - $t) / 1e3;
            if ($k < 50) {
                continue;
            }
            $bad += $status === 200 ? 0 : 1;
            $us[] = $dt;
            $wall += $dt / 1e6;
            $bytes += strlen($body);
        }
        report('api', $us, $wall, 0, $bytes, array('non_200' => $bad));
        break;

    case 'api-lean':
        $api = new nc_priem_api(nc_priem::get_instance());
        $api->handle(array('REQUEST_METHOD' => 'GET'), array('action' => 'grid', 'filial' => $order[0][0],
            'doctor' => $order[0][1]), ''); // the full path keeps the settings and cards
        $us = array();
        $bytes = 0;
        $wall = 0.0;
        $bad = 0;
        foreach ($order as $k => $p) {
            $t = hrtime(true);
            $answer = nc_priem_api::serve_kept(array('REQUEST_METHOD' => 'GET'),
                array('action' => 'grid', 'filial' => $p[0], 'doctor' => $p[1]));
            $dt = (hrtime(true) - $t) / 1e3;
            if ($k < 50) {
                continue;
            }
            $bad += $answer !== null && $answer[0] === 200 ? 0 : 1;
            $us[] = $dt;
            $wall += $dt / 1e6;
            $bytes += $answer === null ? 0 : strlen($answer[2]);
        }
        report('api-lean', $us, $wall, 0, $bytes, array('non_200' => $bad));
        break;

    case 'breakdown':
        // nc_db counting the statements it sends
        class priem_bench_counting_db extends nc_db
        {
            public $n = 0;
            public $log = array();

            public function query($query)
            {
                $this->n++;
                $this->log[] = preg_replace('/\s+/', ' ', substr($query, 0, 90));
                return parent::query($query);
            }
        }
        $stages = array('core' => array(), 'settings' => array(), 'cards' => array(), 'priem_grid' => array());
        $queries = array();
        foreach ($order as $k => $p) {
            $t0 = hrtime(true);
            nc_Core::reset_object();
            nc_priem::set_instance(null);
            $core = nc_Core::get_object();
            $core->db = new priem_bench_counting_db($GLOBALS['MYSQL_HOST'], $GLOBALS['MYSQL_USER'], $GLOBALS['MYSQL_PASSWORD'],
                $GLOBALS['MYSQL_DB_NAME'], $GLOBALS['MYSQL_PORT'], $GLOBALS['MYSQL_CHARSET']);
            $priem = nc_priem::get_instance();
            $t1 = hrtime(true);
            $s = $priem->settings()->engine(true);
            $t2 = hrtime(true);
            $cards = $priem->catalog()->of($p[0], $p[1]);
            $t3 = hrtime(true);
            $json = priem_grid_json($s, $p[0], $p[1], gmdate('Y-m-d\TH:i:s\Z', $now), null, $cards);
            $t4 = hrtime(true);
            if ($k < 50) {
                continue;
            }
            $stages['core'][] = ($t1 - $t0) / 1e3; // nb: two connections here (the core's, then the counting one)
            $stages['settings'][] = ($t2 - $t1) / 1e3;
            $stages['cards'][] = ($t3 - $t2) / 1e3;
            $stages['priem_grid'][] = ($t4 - $t3) / 1e3;
            $queries = $core->db->log;
        }
        $out = array('mode' => 'breakdown');
        foreach ($stages as $name => $us) {
            sort($us);
            $out[$name] = array('mean_us' => round(array_sum($us) / count($us), 1), 'p50_us' => round(percentile($us, 50), 1),
                'p99_us' => round(percentile($us, 99), 1));
        }
        $out['php_sql_per_request'] = count($queries);
        $out['php_sql'] = $queries;
        echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), "\n";
        break;

    case 'check':
        $m = priem_plain_db($cfg['db']);
        $same = 0;
        $diff = array();
        $held = 0;
        $rt = function ($x) {
            return json_decode(json_encode($x, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), true);
        };
        // the first CALLS doctors of the random order, at NOW_UTC, again (the grids kept in the
        // process answer), 40 s later (kept unless a time passed its notice) and 5 h 17 min later
        // (another "today" in some zones)
        foreach (array($now, $now, $now + 40, $now + 5 * 3600 + 17 * 60) as $at) {
            foreach (array_slice($order, 0, $calls) as $p) {
                $a = $rt(priem_grid($settings, $p[0], $p[1], gmdate('Y-m-d\TH:i:s\Z', $at), $days));
                $b = $rt(priem_plain_grid($m, $p[0], $p[1], $at, $days, $min_notice));
                foreach ($a['days'] as $d) {
                    foreach ($d['parts'] as $part) {
                        foreach ($part['slots'] as $s) {
                            $held += $s['held'] ? 1 : 0;
                        }
                    }
                }
                $j = json_decode(priem_grid_json($settings, $p[0], $p[1], gmdate('Y-m-d\TH:i:s\Z', $at), $days), true);
                $form = priem_plain_grid($m, $p[0], $p[1], $at, $days, $min_notice, true);
                if ($a === $b && $j['days'] === $form['days'] && $j['free'] === $form['free']) {
                    $same++;
                } else {
                    $diff[] = "$p[0]:$p[1]@" . gmdate('H:i', $at);
                }
            }
        }
        // an unknown doctor: the extension throws NotFoundException, the plain function returns null
        try {
            priem_grid($settings, $pairs[0][0], 'no-such-doctor', $now_utc, $days);
            $diff[] = 'unknown doctor: the extension did not throw';
        } catch (\Priem\NotFoundException $e) {
            if (priem_plain_grid($m, $pairs[0][0], 'no-such-doctor', $now, $days, $min_notice) !== null) {
                $diff[] = 'unknown doctor: plain gave a grid';
            }
        }
        printf("check: %d grids identical, %d differ%s; %d held times among them\n", $same, count($diff),
            $diff ? ' (' . implode(', ', array_slice($diff, 0, 5)) . ')' : '', $held);
        if ($held === 0) {
            echo "!! no held time among the grids checked: the held → free false rule was not exercised\n";
        }
        echo 'outputs identical (in-process): ', $diff ? 'no' : 'yes', "\n";
        exit($diff ? 1 : 0);

    default:
        fwrite(STDERR, "unknown mode $mode\n");
        exit(2);
}
