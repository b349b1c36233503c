<?php

require_once __DIR__ . '/EndpointsTestCase.php';

/** The entry points through `php -S` (no .htaccess), and cli.php from the command line. */
final class EndpointsTest extends EndpointsTestCase
{
    const SERVER = 'php';

    public function test_cli_prints_the_one_line_report(): void
    {
        $sessions = self::$work . '/cli-sessions';
        @mkdir($sessions);
        $cmd = escapeshellarg(PHP_BINARY) . ' -d extension=' . escapeshellarg(priem_nc_extension())
            . ' -d session.save_path=' . escapeshellarg($sessions)
            . ' ' . escapeshellarg(self::$root . '/netcat/modules/priem/cli.php') . ' clinic.test 2>&1';
        exec($cmd, $lines, $rc);
        $this->assertSame(0, $rc, implode("\n", $lines));
        $this->assertCount(1, $lines, implode("\n", $lines));
        $this->assertStringStartsWith('priem: ', $lines[0]);
        $this->assertSame(array(), glob("$sessions/sess_*"), 'the CLI run wrote no session file');
    }
}
