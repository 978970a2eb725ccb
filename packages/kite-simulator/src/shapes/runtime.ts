import { BACKGROUND_JS } from './runtime-background.js';
import { SIX_BOXES_JS } from './runtime-boxes.js';
import { LATE_DIALOG_JS } from './runtime-late.js';

/**
 * The fuzzed login app, as it runs in the browser: a function of its RuntimeConfig
 * (runtime-config.ts). It builds the shell and each screen from element trees, keeps element
 * references in memory (nothing marks them in the DOM), and behaves as the shape says:
 * render delays, overlays that make the form inert until dismissed, harmful controls,
 * Enter handling with or without a <form>, six boxes that advance focus (and take a paste),
 * the code sent at the sixth digit, a dialog that comes late, background requests
 * (runtime-late.ts, runtime-background.ts). It posts the same fields as Kite's app to /api/login and /api/twofa
 * (the second factor's type as Kite's answer named it) and shows Kite's `message` on errors.
 * It reports typing to /fuzz/typed/ROLE: one POST at the first `input` event of each field's
 * role per page load, naming the role, never a value. Like the real app it does not guard
 * against a second submission of the same step.
 */
export const SHAPE_APP_SCRIPT = String.raw`function (C) {
  'use strict';
  var W = window.top || window;
  var doc = document;
  var query = new URLSearchParams(W.location.search);
  var state = { gen: 0, screen: -1, userId: '', kiteUser: '', requestId: '', twofaType: '', shown: {} };
  var mount = null, layer = null, status = null, lateBox = null;
  var noop = function () {};
  var docs = [doc];
  if (W.document !== doc) docs.push(W.document);
  // Notices up at once (an overlay, a late dialog): the form is inert while any is.
  var covers = 0;
  function cover(by) { covers = Math.max(0, covers + by); mount.inert = covers > 0; }

  function build(node, refs) {
    if (typeof node === 'string') return doc.createTextNode(node);
    var el = doc.createElement(node.tag);
    for (var i = 0; i < node.attrs.length; i++) el.setAttribute(node.attrs[i][0], node.attrs[i][1]);
    for (var j = 0; j < node.children.length; j++) el.appendChild(build(node.children[j], refs));
    if (node.ref) refs[node.ref] = el;
    return el;
  }
  function send(path, fields, keepalive) {
    return fetch(path, {
      method: 'POST', credentials: 'same-origin', keepalive: !!keepalive,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Kite-Version': '3' },
      body: new URLSearchParams(fields)
    });
  }
  function post(path, fields) {
    return send(path, fields).then(function (r) { return r.json(); })
      .catch(function () { return { status: 'error', message: 'Something went wrong. Please try again.' }; });
  }
  // Once per role and page load: enough for "nothing typed (into the code field)", and no
  // stream of requests that a login flow watching the network would have to tell apart.
  var reportedTyping = {};
  function typed(role) {
    if (reportedTyping[role]) return;
    reportedTyping[role] = true;
    send('/fuzz/typed/' + role, { field: role }, true).catch(noop);
  }
  function harm(effect) {
    send('/fuzz/harm', { effect: effect }, true).catch(noop).then(function () {
      if (effect === 'dashboard') W.location.href = '/dashboard';
      else reset();
    });
  }
  function reset() {
    state.gen++;
    state.userId = ''; state.kiteUser = ''; state.requestId = '';
    while (layer.firstChild) layer.removeChild(layer.firstChild);
    if (lateBox) while (lateBox.firstChild) lateBox.removeChild(lateBox.firstChild);
    covers = 0;
    mount.inert = false;
    showScreen(0);
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function showError(refs, message) {
    if (!refs.error) return;
    refs.error.textContent = message || '';
    refs.error.style.display = message ? '' : 'none';
  }
  function finish() {
    W.location.href = '/connect/finish?api_key=' + encodeURIComponent(query.get('api_key') || '') +
      '&sess_id=' + encodeURIComponent(query.get('sess_id') || '');
  }

  function overlayFor(i) {
    for (var k = 0; k < C.overlays.length; k++) if (C.overlays[k].screen === i && !state.shown[k]) return k;
    return -1;
  }
  function showOverlay(k, then) {
    state.shown[k] = true;
    openNotice(C.overlays[k], layer, then, false);
  }
  /** The focused element, inside shadow roots too. */
  function focused() {
    var a = doc.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a;
  }
  /** Shows a notice in container over the form; a late one takes the focus and gives it back when it closes. */
  function openNotice(ov, container, then, late) {
    var gen = state.gen;
    var before = late ? focused() : null;
    var refs = {};
    var el = build(ov.tree, refs);
    container.appendChild(el);
    cover(1);
    var done = false;
    function onKey(event) { if (event.key === 'Escape' && ov.escapeCloses) { event.preventDefault(); close(); } }
    function detach() {
      done = true;
      docs.forEach(function (d) { d.removeEventListener('keydown', onKey, true); });
      if (ov.style === 'native-dialog' && el.open) el.close();
      if (el.parentNode) el.parentNode.removeChild(el);
      cover(-1);
    }
    function close() {
      if (done) return;
      detach();
      if (before && before.isConnected && gen === state.gen) before.focus();
      if (then && gen === state.gen) then();
    }
    if (refs.benign) activate(refs.benign, true, close);
    if (refs.harmful) activate(refs.harmful, true, function () { if (done) return; detach(); harm(ov.harmEffect); });
    if (ov.style === 'native-dialog') {
      el.addEventListener('cancel', function (event) { event.preventDefault(); if (ov.escapeCloses) close(); });
      el.addEventListener('close', close);
      el.showModal();
    } else {
      docs.forEach(function (d) { d.addEventListener('keydown', onKey, true); });
      if (refs.box && refs.box.getAttribute('role') === 'dialog') refs.box.focus();
      else if (late && refs.benign) refs.benign.focus();
    }
  }
${LATE_DIALOG_JS}
${BACKGROUND_JS}
  /** Clicks (and, for keyboard-minded controls, Enter and Space) run the action. */
  function activate(el, keyboard, action) {
    el.addEventListener('click', function (event) { event.preventDefault(); action(); });
    if (keyboard && !/^(BUTTON|INPUT)$/.test(el.tagName)) {
      el.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); action(); }
      });
    }
  }

  function showScreen(i) {
    var gen = state.gen;
    state.screen = i;
    clear(mount);
    status.style.display = '';
    status.textContent = i === 0 ? 'Loading…' : 'Please wait…';
    setTimeout(function () {
      if (gen !== state.gen || state.screen !== i) return;
      status.style.display = 'none';
      var k = overlayFor(i);
      if (k >= 0 && !C.overlays[k].formUnderneath) return showOverlay(k, function () { render(i); });
      render(i);
      if (k >= 0) showOverlay(k, null);
    }, C.screens[i].delayMs);
  }

  function render(i) {
    var sc = C.screens[i];
    var refs = {};
    lateScreen();
    clear(mount);
    mount.appendChild(build(sc.tree, refs));
    var boxes = [];
    for (var b = 0; b < 6; b++) if (refs['box' + b]) boxes.push(refs['box' + b]);
    var inputs = [];
    ['user', 'password', 'captcha', 'code'].forEach(function (role) { if (refs[role]) inputs.push([role, refs[role]]); });
    boxes.forEach(function (box) { inputs.push(['code', box]); });
    inputs.forEach(function (pair) {
      pair[1].addEventListener('input', function () { typed(pair[0]); background('input', pair[0], pair[1].value); });
      pair[1].addEventListener('focus', function () { background('focus', pair[0], null); });
    });
    if (refs['chip-user']) refs['chip-user'].textContent = state.userId;
    if (refs['chip-change']) activate(refs['chip-change'], false, function () { harm(C.chipEffect); });

    var submit = function () { submitScreen(i, refs, boxes); };
    if (refs.control) {
      if (sc.nativeSubmit) {
        refs.form.addEventListener('submit', function (event) {
          event.preventDefault();
          if (event.submitter === refs.control) submit();
        });
      } else {
        activate(refs.control, sc.keyboard, submit);
      }
    }
    if (refs.form.tagName === 'FORM' && !sc.nativeSubmit) {
      refs.form.addEventListener('submit', function (event) { event.preventDefault(); });
    }
    inputs.forEach(function (pair) {
      pair[1].addEventListener('keydown', function (event) {
        if (event.key !== 'Enter') return;
        event.preventDefault();
        if (sc.enterSubmits) submit();
      });
    });
    if (boxes.length === 6) wireBoxes(boxes, sc, submit);
    else if (refs.code && sc.codeSubmit === 'auto') {
      refs.code.addEventListener('input', function () { if (/^\d{6}$/.test(refs.code.value)) submit(); });
    }
    var links = mount.querySelectorAll('a[href="#"]');
    for (var l = 0; l < links.length; l++) links[l].addEventListener('click', function (event) { event.preventDefault(); });
    armLate(i, refs);
  }

${SIX_BOXES_JS}
  function submitScreen(i, refs, boxes) {
    var sc = C.screens[i];
    showError(refs, '');
    background('submit', sc.kind, null);
    if (refs.captcha) return showError(refs, refs.captcha.value ? 'Incorrect captcha. Please try again.' : 'Please enter the captcha.');
    if (sc.kind === 'user') {
      var u = refs.user.value.trim();
      if (!u) return showError(refs, 'User ID is required.');
      state.userId = u;
      return showScreen(i + 1);
    }
    if (sc.kind === 'credentials' || sc.kind === 'password') {
      var userId = sc.kind === 'credentials' ? refs.user.value.trim() : state.userId;
      var password = refs.password.value;
      if (!userId) return showError(refs, 'User ID is required.');
      if (!password) return showError(refs, 'Password is required.');
      var fields = { user_id: userId, password: password };
      if (C.sendType) fields.type = 'user_id';
      var gen = state.gen;
      return post('/api/login', fields).then(function (res) {
        if (gen !== state.gen) return;
        if (res.status !== 'success') return showError(refs, res.message);
        state.kiteUser = res.data.user_id; state.requestId = res.data.request_id;
        state.twofaType = res.data.twofa_type || C.secondFactor;
        showScreen(i + 1);
      });
    }
    if (sc.kind === 'code') {
      var value = boxes.length === 6 ? boxes.map(function (x) { return x.value; }).join('') : String(refs.code.value).trim();
      if (!/^\d{6}$/.test(value)) return showError(refs, 'Enter the 6-digit code.');
      return post('/api/twofa', { user_id: state.kiteUser, request_id: state.requestId, twofa_value: value, twofa_type: state.twofaType || C.secondFactor, skip_session: '' })
        .then(function (res) {
          if (res.status !== 'success') return showError(refs, res.message);
          if (!C.codeLinger) return finish();
          // The code screen stays as it is a while, the code still in it: nothing to type again.
          if (C.codeLinger.status) { status.style.display = ''; status.textContent = C.codeLinger.status; }
          setTimeout(finish, C.codeLinger.ms);
        });
    }
  }

  function start(root) {
    var refs = {};
    C.shell.forEach(function (node) { root.appendChild(build(node, refs)); });
    mount = refs.mount; layer = refs.layer; status = refs.status; lateBox = refs.late || null;
    background('load', '', null);
    showScreen(0);
  }

  if (C.host === 'shadow' || C.host === 'shadow-nested') {
    class Inner extends HTMLElement {
      connectedCallback() { if (!this.shadowRoot) start(this.attachShadow({ mode: 'open' })); }
    }
    class Outer extends HTMLElement {
      connectedCallback() {
        if (this.shadowRoot) return;
        var sr = this.attachShadow({ mode: 'open' });
        var style = doc.createElement('style');
        style.textContent = ':host{display:block}';
        sr.appendChild(style);
        sr.appendChild(doc.createElement(C.hostTags[1]));
      }
    }
    if (C.host === 'shadow-nested') {
      customElements.define(C.hostTags[1], Inner);
      customElements.define(C.hostTags[0], Outer);
    } else {
      customElements.define(C.hostTags[0], Inner);
    }
  } else {
    // The page's (or, for an iframe host, the frame's) first element is the app's root.
    start(doc.body.firstElementChild);
  }
}`;
