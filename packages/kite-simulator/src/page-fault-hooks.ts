/**
 * The login app's page faults (`faults.page`), as the part of its script that carries them out.
 * It reads `page.faults` (absent: every hook does nothing, so no variant changes) and gives
 * the app two hooks: `screen(name, form)` after it renders a screen, and `answered(point)`
 * once the answer to one of its POSTs has been received in full.
 *
 * The lock-up is a real `for(;;){}` on the page's main thread: nothing on the page runs again,
 * which is what a hung Kite tab looks like to an automation (its evaluate calls never return).
 * The notice is an ARIA modal on a backdrop that covers the page, so a click on anything under it
 * lands on the backdrop; it takes the focus as a modal should, and gives it back when dismissed.
 */
export const PAGE_FAULT_HOOKS = `
  var pageFaults = (function (config) {
    var lock = config.lockUp, dialog = config.dialog;
    var shown = 0, current = null, disarm = function () {};
    function lockUp() { for (;;) {} }
    function answered(point, user) {
      if (lock && lock.at === point && (!lock.userId || String(user || '').trim().toUpperCase() === lock.userId.toUpperCase())) lockUp();
    }
    function screen(name, form) {
      disarm();
      disarm = function () {};
      current = name;
      if (lock && lock.at === 'form' && name === 'credentials') setTimeout(lockUp, lock.delayMs || 0);
      arm(name, form);
    }
    function arm(name, form) {
      if (!dialog || (dialog.screen || 'credentials') !== name || shown >= (dialog.times || 1)) return;
      function fire(event) { disarm(); disarm = function () {}; show(name, form, event); }
      if (dialog.trigger === 'load') fire();
      else if (dialog.trigger === 'delay') {
        var timer = setTimeout(fire, dialog.delayMs || 0);
        disarm = function () { clearTimeout(timer); };
      } else if (dialog.trigger === 'first-key') {
        listen(form, ['keydown', 'input'], fire, function (event) { return event.target && event.target.tagName === 'INPUT'; });
      } else if (dialog.trigger === 'first-pointer') {
        listen(document, ['pointermove', 'pointerdown', 'mousemove', 'mousedown'], fire);
      }
    }
    function listen(target, types, fire, accept) {
      function handler(event) { if (!accept || accept(event)) fire(event); }
      types.forEach(function (type) { target.addEventListener(type, handler, true); });
      disarm = function () { types.forEach(function (type) { target.removeEventListener(type, handler, true); }); };
    }
    function show(name, form, event) {
      shown += 1;
      var before = document.activeElement;
      var backdrop = document.createElement('div');
      backdrop.className = 'modal-backdrop';
      backdrop.setAttribute('style', 'position:fixed;top:0;left:0;right:0;bottom:0;z-index:1000;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center');
      backdrop.innerHTML = '<div class="modal notice" role="dialog" aria-modal="true" aria-labelledby="notice-title" aria-describedby="notice-text"' +
        ' style="background:#fff;padding:24px;max-width:320px;border-radius:4px">' +
        '<h3 id="notice-title">Notice</h3><p id="notice-text"></p><button type="button" class="button button-blue"></button></div>';
      backdrop.querySelector('p').textContent = dialog.text || 'Scheduled maintenance tonight from 11 PM. Orders placed after that will be rejected.';
      var button = backdrop.querySelector('button');
      button.textContent = dialog.dismissText || 'OK';
      button.addEventListener('click', function () {
        backdrop.remove();
        if (before && before !== document.body && document.contains(before)) before.focus();
        if (current === name) arm(name, form);
      });
      // What brought it up, for a test that did not expect it: the event, where, and how far it moved.
      backdrop.dataset.firedBy = event ? event.type + ' at ' + event.clientX + ',' + event.clientY + ' moved ' + event.movementX + ',' + event.movementY + (event.isTrusted ? '' : ' (untrusted)') : dialog.trigger;
      document.body.appendChild(backdrop);
      if (dialog.takesFocus !== false) button.focus();
    }
    return { screen: screen, answered: answered };
  })(page.faults || {});`;
