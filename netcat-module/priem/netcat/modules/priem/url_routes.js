// priem: admin routes (#module.priem, #module.priem.settings|status|bookings|codes)
urlDispatcher.addRoutes({
    'module.priem': NETCAT_PATH + 'modules/priem/admin.php?view=settings'
})
.addPrefixRouter('module.priem.', function (path) {
    var parts = path.split('.');
    mainView.loadIframe(NETCAT_PATH + 'modules/priem/admin.php?view=' + encodeURIComponent(parts[parts.length - 1]));
});
