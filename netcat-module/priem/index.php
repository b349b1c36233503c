<?php
// priem has no public page here: the booking form is an infoblock, the MIS push goes to push.php.
http_response_code(404);
