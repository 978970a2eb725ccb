/**
 * The page's background requests (a part of SHAPE_APP_SCRIPT, runtime.ts; `C.background`):
 * beacons, fetch and XHR posts on load, on a field's focus or input, on each submission. Each
 * carries the event, how it was sent and a page id, and at most a field's role or a value's
 * length: never a value. Focus and input send once per field and page load, load once, submit
 * at every submission. A failing one (the simulator answers 500, or drops it) changes nothing.
 */
export const BACKGROUND_JS = String.raw`
  var pageId = Math.random().toString(36).slice(2, 10);
  var backgroundSent = {};
  function background(event, role, value) {
    C.background.forEach(function (b, i) {
      if (b.event !== event) return;
      var once = event === 'submit' ? '' : i + ':' + role;
      if (once) {
        if (backgroundSent[once]) return;
        backgroundSent[once] = true;
      }
      var fields = { event: event, via: b.via, page: pageId };
      if (b.carries === 'field' && role) fields.field = role;
      if (b.carries === 'length' && value !== null) fields.len = String(String(value).length);
      var body = new URLSearchParams(fields);
      try {
        if (b.via === 'beacon' && navigator.sendBeacon) navigator.sendBeacon(b.url, body);
        else if (b.via === 'xhr') {
          var xhr = new XMLHttpRequest();
          xhr.open('POST', b.url);
          xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
          xhr.send(body.toString());
        } else {
          fetch(b.url, { method: 'POST', credentials: 'same-origin', keepalive: true, body: body }).catch(noop);
        }
      } catch (e) { /* analytics never stop a login */ }
    });
  }
`;
