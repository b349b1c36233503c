// priem: the admin's routes (#module.priem, #module.priem.settings|status|bookings|codes|prodoctorov)
urlDispatcher.addRoutes({
    'module.priem': NETCAT_PATH + 'modules/priem/admin.php?controller=settings'
})
.addPrefixRouter('module.priem.', function (path) {
    var parts = path.split('.');
    mainView.loadIframe(NETCAT_PATH + 'modules/priem/admin.php?controller=' + encodeURIComponent(parts[parts.length - 1]));
});

// The module's icon (icon-20x20.png) where the admin draws module icons: the module list finds the
// file itself; the module tree (its own frame) and the «Настройки» menu draw the sprite class
// nc--mod-priem of the admin skin, which knows only NetCat's modules — so the class gets the icon here.
(function () {
    var css = 'i.nc-icon.nc--mod-priem{background-image:url(' + NETCAT_PATH + 'modules/priem/icon-20x20.png);'
        + 'background-position:0 0;background-size:20px 20px}';
    function addTo(doc) {
        if (doc && doc.head && !doc.getElementById('priem-icon-style')) {
            var style = doc.createElement('style');
            style.id = 'priem-icon-style';
            style.appendChild(doc.createTextNode(css));
            doc.head.appendChild(style);
        }
    }
    function start() {
        addTo(document);
        var frame = document.getElementById('treeIframe');
        if (frame) {
            frame.addEventListener('load', function () {
                try { addTo(frame.contentDocument); } catch (e) { /* another origin: nothing to style */ }
            });
            try { addTo(frame.contentDocument); } catch (e) { /* not loaded yet */ }
        }
    }
    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', start);
    } else {
        start();
    }
})();
