<?php
/** priem: prodoctorov.php at a directory URL, …/netcat/modules/priem/prodoctorov/ (ProDoctorov's URLs end with a slash). */
require __DIR__ . '/../prodoctorov.php';
