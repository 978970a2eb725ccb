/**
 * The dialog that comes late (a part of SHAPE_APP_SCRIPT, runtime.ts; `C.late`): once per page
 * load it covers the form at its trigger, makes the form inert and takes the focus, and its
 * one control gives the focus back to where it was, the fields as typed. `load`: delayMs
 * after the first login screen shows, whatever screen is up by then; `first-look`: on its
 * screen, at the first pointer move or press (pointer), or delayMs after the screen is
 * complete (settle); `first-key`: at the first key or input in a field of its screen.
 * Leaving the screen before the trigger disarms it (not `load`).
 */
export const LATE_DIALOG_JS = String.raw`
  var late = { shown: false, timer: null, disarm: noop };
  function fireLate() {
    late.disarm();
    late.disarm = noop;
    if (late.shown || !lateBox) return;
    late.shown = true;
    openNotice(C.late, lateBox, null, true);
  }
  /** A screen is about to render: the trigger armed on the one before goes. */
  function lateScreen() {
    if (C.late && C.late.trigger !== 'load') { late.disarm(); late.disarm = noop; }
  }
  function lateListen(targets, types, accept) {
    function handler(event) { if (!accept || accept(event)) fireLate(); }
    targets.forEach(function (t) { types.forEach(function (type) { t.addEventListener(type, handler, true); }); });
    late.disarm = function () {
      targets.forEach(function (t) { types.forEach(function (type) { t.removeEventListener(type, handler, true); }); });
    };
  }
  function armLate(i, refs) {
    var L = C.late;
    if (!L || late.shown || L.screen !== i) return;
    if (L.trigger === 'load') {
      if (late.timer === null) late.timer = setTimeout(fireLate, L.delayMs);
    } else if (L.trigger === 'first-look' && L.look === 'settle') {
      var timer = setTimeout(fireLate, L.delayMs);
      late.disarm = function () { clearTimeout(timer); };
    } else if (L.trigger === 'first-look') {
      lateListen(docs, ['pointermove', 'pointerdown', 'mousemove', 'mousedown'], null);
    } else {
      lateListen([refs.form], ['keydown', 'input'], function (event) { return event.target && event.target.tagName === 'INPUT'; });
    }
  }
`;
