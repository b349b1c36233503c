<?php
/** priem: push.php at a directory URL, …/netcat/modules/priem/push/ (clients that want a trailing slash). */
require __DIR__ . '/../push.php';
