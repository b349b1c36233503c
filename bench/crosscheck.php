<?php
/**
 * Checks that the extension and the plain-PHP baseline give the same array for a file.
 *
 *   php -d extension=target/release/libpriem.so bench/crosscheck.php FILE [--zones=2=Asia/Yekaterinburg,…]
 *
 * Both results go through a JSON round trip and are compared with === (same keys, same order,
 * same types: '0001' must not equal '1', as it would with ==); == is reported too. Prints
 * "identical: yes" or "identical: no" plus the first difference. Exit code 0 only when identical.
 */

declare(strict_types=1);

require __DIR__ . '/plain_parse.php';

$file = null;
$zones = [];
foreach (array_slice($argv, 1) as $a) {
    if (str_starts_with($a, '--zones=')) {
        foreach (array_filter(array_map('trim', explode(',', substr($a, 8)))) as $pair) {
            [$code, $zone] = array_pad(explode('=', $pair, 2), 2, '');
            $zones[$code] = $zone;
        }
    } else {
        $file = $a;
    }
}
if ($file === null) {
    fwrite(STDERR, "usage: php -d extension=…/libpriem.so bench/crosscheck.php FILE [--zones=CODE=Zone,…]\n");
    exit(2);
}
if (!function_exists('priem_parse_schedule')) {
    fwrite(STDERR, "priem_parse_schedule() is not available: load the extension\n");
    exit(3);
}

$json = file_get_contents($file);
$options = $zones ? ['timezones' => $zones] : [];

function roundtrip(callable $fn, string $json, array $options): array
{
    try {
        $r = $fn($json, $options);
    } catch (Throwable $e) {
        return ['exception' => get_class($e) . ': ' . $e->getMessage()];
    }
    return json_decode(json_encode($r, JSON_THROW_ON_ERROR), true);
}

/** Path and both values at the first place two decoded JSON values differ, or null. */
function first_difference($a, $b, string $path = '$'): ?array
{
    if (is_array($a) && is_array($b)) {
        $ka = array_keys($a);
        $kb = array_keys($b);
        foreach ($ka as $i => $k) {
            if (!array_key_exists($k, $b)) {
                return ["$path.$k", $a[$k], '(missing)'];
            }
            if (($kb[$i] ?? null) !== $k) {
                return ["$path (key order)", $ka, $kb];
            }
            $d = first_difference($a[$k], $b[$k], "$path.$k");
            if ($d !== null) {
                return $d;
            }
        }
        if (count($kb) > count($ka)) {
            $extra = array_values(array_diff($kb, $ka))[0];
            return ["$path.$extra", '(missing)', $b[$extra]];
        }
        return null;
    }
    return $a === $b ? null : [$path, $a, $b];
}

$ext = roundtrip('priem_parse_schedule', $json, $options);
$php = roundtrip('plain_parse_schedule', $json, $options);
$strict = $ext === $php;
$loose = $ext == $php;
$slots = count($ext['slots'] ?? []);
$rejected = count($ext['rejected'] ?? []);
printf("%s: %d slots, %d rejected doctors; identical: %s%s\n", basename($file), $slots, $rejected,
    $strict ? 'yes' : 'no', $strict ? '' : ($loose ? ' (equal only with ==)' : ''));
if (!$strict) {
    $d = first_difference($ext, $php);
    if ($d !== null) {
        $enc = fn($v) => json_encode($v, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
        printf("  first difference at %s\n    ext: %s\n    php: %s\n", $d[0], $enc($d[1]), $enc($d[2]));
    }
}
exit($strict ? 0 : 1);
