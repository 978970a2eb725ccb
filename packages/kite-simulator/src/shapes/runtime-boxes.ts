/**
 * The fuzzed app's six one-character code boxes (a part of SHAPE_APP_SCRIPT, runtime.ts): each
 * digit moves the focus on, a paste or several digits fill the boxes from there, Backspace in
 * an empty box goes back, and an `auto` screen sends the code at the sixth digit.
 */
export const SIX_BOXES_JS = String.raw`  function wireBoxes(boxes, sc, submit) {
    boxes.forEach(function (box, i) {
      box.addEventListener('input', function () {
        var digits = String(box.value).replace(/\D/g, '');
        if (digits.length <= 1) {
          box.value = digits;
          if (digits && i < 5) boxes[i + 1].focus();
        } else {
          for (var j = 0; j < digits.length && i + j < 6; j++) boxes[i + j].value = digits.charAt(j);
          boxes[Math.min(i + digits.length, 5)].focus();
        }
        var code = boxes.map(function (x) { return x.value; }).join('');
        if (sc.codeSubmit === 'auto' && /^\d{6}$/.test(code) && digits) submit();
      });
      // A pasted code fills the boxes from this one on, as real one-time-code inputs do.
      box.addEventListener('paste', function (event) {
        var text = event.clipboardData ? event.clipboardData.getData('text') : '';
        var digits = String(text || '').replace(/\D/g, '').slice(0, 6 - i);
        if (!digits) return;
        event.preventDefault();
        for (var j = 0; j < digits.length; j++) boxes[i + j].value = digits.charAt(j);
        typed('code');
        boxes[Math.min(i + digits.length, 5)].focus();
        var code = boxes.map(function (x) { return x.value; }).join('');
        if (sc.codeSubmit === 'auto' && /^\d{6}$/.test(code)) submit();
      });
      box.addEventListener('keydown', function (event) {
        if (event.key === 'Backspace' && !box.value && i > 0) { boxes[i - 1].focus(); boxes[i - 1].value = ''; }
      });
      box.addEventListener('focus', function () { if (box.select) try { box.select(); } catch (e) { /* number inputs */ } });
    });
  }`;
