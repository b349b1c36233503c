// priem: the module's admin pages (linked by NetCat's BeginHtml for the module "priem").
// «Сгенерировать»: puts a random password into the field named by the button and shows it, to be
// copied and given to ProDoctorov, then saved; made in the browser, so no page ever carries it.
(function () {
    'use strict';
    var ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'; // 56, no look-alikes
    var LENGTH = 24;

    function password() {
        var out = '';
        var bytes = new Uint8Array(64);
        while (out.length < LENGTH) {
            window.crypto.getRandomValues(bytes);
            for (var i = 0; i < bytes.length && out.length < LENGTH; i++) {
                if (bytes[i] < 4 * ALPHABET.length) { // 224: no modulo bias
                    out += ALPHABET.charAt(bytes[i] % ALPHABET.length);
                }
            }
        }
        return out;
    }

    document.addEventListener('click', function (event) {
        var button = event.target && event.target.closest ? event.target.closest('[data-priem-generate]') : null;
        var input = button ? document.getElementById(button.getAttribute('data-priem-generate')) : null;
        if (!input) {
            return;
        }
        input.type = 'text';
        input.value = password();
        input.focus();
        input.select();
    });
})();
