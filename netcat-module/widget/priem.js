/*
 * priem — online booking widget for clinic sites (NetCat module "priem").
 * Vanilla JS (ES2017), no dependencies. netcat-module/build.sh builds the script the package ships
 * (netcat/modules/priem/widget/priem.js): this file and priem-base.js (dates, labels, the API
 * client) bundled and minified, with priem.css inlined as PRIEM_CSS.
 *
 * Mounts every `.priem-widget` element, reading its JSON config from `data-priem`
 * (see docs/api.md, "Embedding the widget"). `window.Priem.mount(el)` mounts one added later.
 * The widget and its dialog draw inside shadow roots of their own, with the stylesheet inside,
 * so the host page's theme does not reach them.
 */
import {
  MONTHS_SHORT, parseDate, capitalize, NB, fmt, plural, freeLabel, experienceLabel, telHref, initials, nextId, Api,
  errorMessage
} from './priem-base.js';

/* global PRIEM_CSS */
(function (window, document) {
  'use strict';

  if (window.Priem && window.Priem.mount) {
    return;
  }

  /* ------------------------------------------------------------------ *
   * DOM helpers
   * ------------------------------------------------------------------ */
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === 'class') { el.className = v; }
      else if (k === 'text') { el.textContent = v; }
      else if (k.slice(0, 2) === 'on') { el.addEventListener(k.slice(2), v); }
      else { el.setAttribute(k, v === true ? '' : v); }
    });
    append(el, children);
    return el;
  }

  function append(el, children) {
    (Array.isArray(children) ? children : [children]).forEach(function (c) {
      if (c === null || c === undefined || c === false) { return; }
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return el;
  }

  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } return el; }

  /** An open shadow root on `host` with the widget's stylesheet (and `css`): the host page's CSS stays outside. */
  function shadow(host, css) {
    var root = host.attachShadow({ mode: 'open' });
    root.appendChild(h('style', { text: PRIEM_CSS + (css || '') }));
    return root;
  }

  /*
   * The booking dialog is a script of its own, priem-dialog.js beside this one (with the same
   * ?v=): loaded when the page is idle after the first times are shown, or when a time is chosen.
   */
  var script = document.currentScript || document.querySelector('script[src*="priem.js"]');
  var dialogScript = null;
  function loadDialog() {
    return dialogScript || (dialogScript = new Promise(function (ok, fail) {
      var s = document.createElement('script');
      s.src = script.src.replace(/priem\.js(?=[?#]|$)/, 'priem-dialog.js');
      s.onload = ok;
      s.onerror = function () { dialogScript = null; fail(); };
      document.head.appendChild(s);
    }));
  }
  function preloadDialog() {
    (window.requestIdleCallback || setTimeout)(function () { loadDialog().catch(function () { /* again on a click */ }); });
  }

  var ICONS = {
    calendar: '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path d="M20 11V6.5A1.5 1.5 0 0 0 18.5 5h-13A1.5 1.5 0 0 0 4 6.5v12A1.5 1.5 0 0 0 5.5 20H11"/><path d="M8 3v4M16 3v4M4 9.5h16"/><circle cx="17.5" cy="17.5" r="4"/><path d="M17.5 15.8v1.9l1.2 1"/></svg>',
    left: '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M15 18l-6-6 6-6"/></svg>',
    right: '<svg viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M9 18l6-6-6-6"/></svg>',
    close: '<svg viewBox="0 0 24 24" width="22" height="22" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><path d="M6 6l12 12M18 6L6 18"/></svg>',
    phone: '<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z"/></svg>',
    clock: '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"><circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/></svg>',
    pin: '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path d="M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21z"/><circle cx="12" cy="9.5" r="2.5"/></svg>',
    check: '<svg viewBox="0 0 24 24" width="32" height="32" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"><path d="M5 12.5l4.5 4.5L19 7.5"/></svg>',
    wait: '<svg viewBox="0 0 24 24" width="32" height="32" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/></svg>',
    alert: '<svg viewBox="0 0 24 24" width="32" height="32" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5v.01"/></svg>'
  };

  function icon(name, cls) {
    var s = h('span', { class: 'priem-icon' + (cls ? ' ' + cls : ''), 'aria-hidden': 'true' });
    s.innerHTML = ICONS[name];
    return s;
  }

  function spinner(text) {
    return h('div', { class: 'priem-loading', role: 'status' }, [
      h('span', { class: 'priem-spinner', 'aria-hidden': 'true' }), h('span', { text: text || 'Загружаем расписание…' })
    ]);
  }

  function avatar(doc, cls) {
    var box = h('span', { class: 'priem-avatar' + (cls ? ' ' + cls : ''), 'aria-hidden': 'true' });
    if (doc && doc.photo) {
      var img = h('img', { class: 'priem-avatar__img', src: doc.photo, alt: '', loading: 'lazy' });
      img.addEventListener('error', function () { clear(box).textContent = initials(doc.name); });
      box.appendChild(img);
    } else {
      box.textContent = initials(doc && doc.name);
    }
    return box;
  }

  function phoneLine(phone, cls, lead) {
    if (!phone) { return null; }
    return h('p', { class: 'priem-phone' + (cls ? ' ' + cls : '') }, [
      icon('phone'), lead || 'Или позвоните: ', h('a', { class: 'priem-phone__link', href: telHref(phone), text: phone })
    ]);
  }

  function focusables(root) {
    return Array.prototype.filter.call(root.querySelectorAll(
      'a[href], button:not([disabled]), input:not([disabled]):not([tabindex="-1"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'
    ), function (el) { return el.offsetWidth > 0 || el.offsetHeight > 0 || el === el.getRootNode().activeElement; });
  }

  /**
   * One tab stop for a set of time buttons, as for the days: Tab enters at the first free time (or
   * the last one focused), the arrows move between them (up and down by row), Home and End to the
   * ends. Called again after the set changed, it keeps the tab stop or moves it to the first time.
   */
  function rove(box) {
    function items() {
      return Array.prototype.slice.call(box.querySelectorAll('.priem-slot'));
    }
    function stop(b) {
      items().forEach(function (x) { x.tabIndex = x === b ? 0 : -1; });
    }
    var list = items();
    stop(list.filter(function (b) { return b.getAttribute('tabindex') === '0'; })[0] || list[0]);
    if (box.__rove) { return; }
    box.__rove = true;
    box.addEventListener('focusin', function (e) { if (items().indexOf(e.target) >= 0) { stop(e.target); } });
    box.addEventListener('keydown', function (e) {
      var list = items(), i = list.indexOf(e.target), j, at, best = Infinity;
      if (i < 0) { return; }
      switch (e.key) {
        case 'ArrowLeft': case 'Left': j = i - 1; break;
        case 'ArrowRight': case 'Right': j = i + 1; break;
        case 'Home': j = 0; break;
        case 'End': j = list.length - 1; break;
        case 'ArrowUp': case 'Up': case 'ArrowDown': case 'Down':
          // the nearest time of the nearest row above or below
          at = e.target.getBoundingClientRect();
          list.forEach(function (b, k) {
            var r = b.getBoundingClientRect(), dy = /Down/.test(e.key) ? r.top - at.top : at.top - r.top;
            var d = dy * 1e4 + Math.abs(r.left - at.left);
            if (dy > 1 && d < best) { best = d; j = k; }
          });
          break;
        default: return;
      }
      e.preventDefault();
      if (list[j]) { list[j].focus(); }
    });
  }

  function slotId(filial, doctor, date, time) { return [filial, doctor, date, time].join('|'); }

  /* ------------------------------------------------------------------ *
   * Schedule: the day strip and the chosen day's times of one
   * (filial, doctor). The whole window is loaded once with `grid`.
   * ------------------------------------------------------------------ */
  var PAGE = 7;

  function Schedule(widget, target) {
    this.widget = widget;
    this.target = target;
    this.grid = null;
    this.day = -1;      // index of the chosen day
    this.page = 0;      // index of the first shown day
    this.focusDay = -1; // roving tabindex position
    this.el = h('div', { class: 'priem-schedule' });
    this.el.__priemSchedule = this;
    widget.schedules.push(this);
    this.load();
  }

  Schedule.prototype.load = function () {
    var self = this;
    clear(this.el).appendChild(spinner());
    this.widget.api.get('grid', { filial: this.target.filial, doctor: this.target.doctor }).then(function (grid) {
      self.grid = grid;
      self.days = Array.isArray(grid.days) ? grid.days : [];
      self.day = -1;
      for (var i = 0; i < self.days.length; i++) {
        if (self.days[i].free > 0) { self.day = i; break; }
      }
      self.page = self.day >= 0 ? Math.floor(self.day / PAGE) * PAGE : 0;
      self.focusDay = self.day >= 0 ? self.day : 0;
      self.widget.setPhone(grid.filial && grid.filial.phone);
      self.render();
      var total = grid.free || 0;
      self.widget.announce(total > 0 ? 'Расписание загружено: ' + freeLabel(total) + '.' : 'Нет свободного времени для записи.');
      if (self.onload) { self.onload(grid); }
    }, function (err) {
      clear(self.el).appendChild(h('div', { class: 'priem-error', role: 'alert' }, [
        h('p', { text: err.message }),
        h('button', { type: 'button', class: 'priem-btn priem-btn--ghost', text: 'Повторить', onclick: function () { self.load(); } })
      ]));
      self.widget.announce(err.message);
    });
  };

  Schedule.prototype.render = function () {
    var grid = this.grid, el = clear(this.el);
    if (!this.days.length || !(grid.free > 0)) {
      el.appendChild(h('div', { class: 'priem-empty' }, [
        h('p', { class: 'priem-empty__title', text: 'Нет свободного времени для онлайн-записи' }),
        h('p', { class: 'priem-empty__text', text: 'Расписание на ближайшие ' + (this.days.length || 14) + ' ' +
          plural(this.days.length || 14, 'день', 'дня', 'дней') + ' занято. Позвоните, и администратор подберёт время.' })
      ]));
      return;
    }
    this.stripEl = h('div', { class: 'priem-strip' });
    this.timesEl = h('div', { class: 'priem-times', id: nextId('times') });
    append(el, [this.stripEl, this.timesEl]);
    this.renderStrip();
    this.renderTimes();
    preloadDialog();
  };

  Schedule.prototype.renderStrip = function (focus) {
    var self = this, days = this.days, from = this.page, to = Math.min(days.length, from + PAGE);
    var prev = h('button', {
      type: 'button', class: 'priem-strip__arrow', 'aria-label': 'Предыдущие дни', disabled: from === 0,
      onclick: function () { self.movePage(-PAGE); }
    }, icon('left'));
    var next = h('button', {
      type: 'button', class: 'priem-strip__arrow', 'aria-label': 'Следующие дни', disabled: to >= days.length,
      onclick: function () { self.movePage(PAGE); }
    }, icon('right'));
    var list = h('div', { class: 'priem-strip__days', role: 'group', 'aria-label': 'Дни приёма, ' + fmt.range(days[from].date, days[to - 1].date) });
    for (var i = from; i < to; i++) {
      list.appendChild(this.dayButton(i));
    }
    clear(this.stripEl);
    append(this.stripEl, [
      h('div', { class: 'priem-strip__head' }, [
        h('span', { class: 'priem-strip__range', text: capitalize(fmt.range(days[from].date, days[to - 1].date)) }),
        h('span', { class: 'priem-strip__tz' }, [icon('clock'), capitalize(this.grid.tz_label || 'время местное')])
      ]),
      h('div', { class: 'priem-strip__row' }, [prev, list, next])
    ]);
    if (focus) {
      var b = list.querySelector('[data-day="' + this.focusDay + '"]');
      if (b) { b.focus(); }
    }
  };

  Schedule.prototype.dayButton = function (i) {
    var self = this, day = this.days[i], free = day.free || 0, chosen = i === this.day;
    // The accessible name is the visible text («чт 3 дек. 8 свободно»), so voice control and the
    // screen reader say what is written (WCAG 2.5.3); narrow screens hide words only visually.
    return h('button', {
      type: 'button',
      class: 'priem-day' + (chosen ? ' priem-day--active' : '') + (free > 0 ? '' : ' priem-day--off'),
      'data-day': String(i),
      'data-date': day.date,
      'aria-pressed': chosen ? 'true' : 'false',
      'aria-disabled': free > 0 ? null : 'true',
      'aria-controls': this.timesEl.id,
      tabindex: i === this.focusDay ? '0' : '-1',
      onclick: function () { self.choose(i); },
      onkeydown: function (e) { self.dayKey(e, i); }
    }, [
      h('span', { class: 'priem-day__wd', text: fmt.weekdayShort(day.date) }), ' ',
      h('span', { class: 'priem-day__date' }, [
        h('span', { class: 'priem-day__num', text: String(parseDate(day.date).d) }),
        h('span', { class: 'priem-day__month', text: ' ' + MONTHS_SHORT[parseDate(day.date).m] })
      ]), ' ',
      h('span', { class: 'priem-day__free', text: free > 0 ? String(free) : 'нет' }, [
        h('span', { class: 'priem-day__word', text: free > 0 ? ' свободно' : ' приёма' })
      ])
    ]);
  };

  /** W3C date-picker style keys: arrows move between days, Home/End, PageUp/PageDown by week. */
  Schedule.prototype.dayKey = function (e, i) {
    var n = this.days.length, j = i;
    switch (e.key) {
      case 'ArrowLeft': case 'Left': j = i - 1; break;
      case 'ArrowRight': case 'Right': j = i + 1; break;
      case 'Home': j = this.page; break;
      case 'End': j = Math.min(n, this.page + PAGE) - 1; break;
      case 'PageUp': j = i - PAGE; break;
      case 'PageDown': j = i + PAGE; break;
      default: return;
    }
    e.preventDefault();
    j = Math.max(0, Math.min(n - 1, j));
    this.focusDay = j;
    if (j < this.page || j >= this.page + PAGE) {
      this.page = Math.floor(j / PAGE) * PAGE;
    }
    this.renderStrip(true);
  };

  Schedule.prototype.movePage = function (delta) {
    var n = this.days.length;
    this.page = Math.max(0, Math.min(Math.floor((n - 1) / PAGE) * PAGE, this.page + delta));
    // Choose the first day with free times on the new page, as ProDoctorov does.
    for (var i = this.page; i < Math.min(n, this.page + PAGE); i++) {
      if (this.days[i].free > 0) { this.day = i; break; }
    }
    this.focusDay = this.day >= this.page && this.day < this.page + PAGE ? this.day : this.page;
    this.renderStrip();
    this.renderTimes();
    var arrow = this.stripEl.querySelectorAll('.priem-strip__arrow')[delta < 0 ? 0 : 1];
    if (arrow && !arrow.disabled) { arrow.focus(); }
    else { var b = this.stripEl.querySelector('[tabindex="0"]'); if (b) { b.focus(); } }
  };

  Schedule.prototype.choose = function (i) {
    if (!(this.days[i].free > 0)) { return; }
    this.day = i;
    this.focusDay = i;
    this.renderStrip(true);
    this.renderTimes();
    this.widget.announce(fmt.dayFull(this.days[i].date) + ': ' + freeLabel(this.days[i].free) + '.');
  };

  Schedule.prototype.renderTimes = function () {
    var self = this, el = clear(this.timesEl), day = this.days[this.day];
    if (!day || !(day.free > 0)) {
      el.appendChild(h('p', { class: 'priem-times__none', text: 'В эти дни нет свободного времени. Посмотрите другие дни.' }));
      return;
    }
    el.appendChild(h('p', { class: 'priem-times__title', text: fmt.dayFull(day.date) }));
    (day.parts || []).forEach(function (part) {
      // only the free times: the taken ones would crowd them out (often more than half a day)
      var slots = (part.slots || []).filter(function (s) { return s.free; });
      if (!slots.length) { return; }
      var labelId = nextId('part');
      var list = h('div', { class: 'priem-slots', role: 'group', 'aria-labelledby': labelId });
      slots.forEach(function (slot) {
        list.appendChild(self.widget.timeButton({
          filial: self.grid.filial, doctor: self.grid.doctor, tz_label: self.grid.tz_label,
          date: day.date, slot: slot
        }));
      });
      append(el, h('div', { class: 'priem-part' }, [
        h('p', { class: 'priem-part__label', id: labelId, text: part.label || '' }), list
      ]));
    });
    rove(el);
  };

  /** Marks a time as taken in the loaded grid and redraws. */
  Schedule.prototype.markTaken = function (date, time) {
    if (!this.grid) { return; }
    var changed = false;
    this.days.forEach(function (day) {
      if (day.date !== date) { return; }
      (day.parts || []).forEach(function (p) {
        (p.slots || []).forEach(function (s) {
          if (s.time_start === time && s.free) { s.free = false; day.free = Math.max(0, day.free - 1); changed = true; }
        });
      });
    });
    if (changed) {
      this.grid.free = Math.max(0, (this.grid.free || 1) - 1);
      if (this.day >= 0 && !(this.days[this.day].free > 0)) {
        for (var i = 0; i < this.days.length; i++) { if (this.days[i].free > 0) { this.day = i; break; } }
      }
      this.render();
    }
  };

  /* ------------------------------------------------------------------ *
   * The widget
   * ------------------------------------------------------------------ */
  function Widget(host) {
    this.host = host;
    this.schedules = [];
    try {
      this.cfg = JSON.parse(host.getAttribute('data-priem') || '{}') || {};
    } catch (e) {
      this.cfg = {};
    }
    this.api = new Api(this.cfg.api);
    this.phone = this.cfg.phone || '';
    clear(host); // the server's fallback text (the phone) until the script runs
    this.live = h('div', { class: 'priem-sr', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.body = h('div', { class: 'priem-widget__body' });
    this.phoneBox = h('div', { class: 'priem-widget__phone' });
    this.el = h('div', { class: 'priem-root' }, [this.body, this.phoneBox, this.live]);
    shadow(host).appendChild(this.el);
    this.renderPhone();
    if (this.cfg.mode === 'picker') {
      this.picker();
    } else {
      this.doctorMode();
    }
  }

  Widget.prototype.announce = function (text) {
    var live = this.live;
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 50);
  };

  Widget.prototype.setPhone = function (phone) {
    if (phone && phone !== this.phone) { this.phone = phone; this.renderPhone(); }
  };

  /** The clinic's phone at the widget's end and, on the booking page, under the filters too. */
  Widget.prototype.renderPhone = function () {
    this.api.phone = this.phone; // for the error messages
    append(clear(this.phoneBox), phoneLine(this.phone));
    if (this.phoneTop) { append(clear(this.phoneTop), phoneLine(this.phone, null, 'Запись по телефону: ')); }
  };

  /** A free/taken time button; a free one opens the booking dialog. */
  /** A free time's button: it opens the booking dialog. (Taken times are not shown.) */
  Widget.prototype.timeButton = function (ctx) {
    var self = this, slot = ctx.slot;
    return h('button', {
      type: 'button',
      class: 'priem-slot',
      'data-slot': slotId(ctx.filial.code, ctx.doctor.code, ctx.date, slot.time_start),
      'aria-label': fmt.dayFull(ctx.date) + ', ' + slot.time_start,
      text: slot.time_start,
      onclick: function (e) { self.openDialog(ctx, e.currentTarget); }
    });
  };

  Widget.prototype.openDialog = function (ctx, opener) {
    var self = this;
    if (this.dialog) { return; }
    this.dialog = true; // until the dialog's script is here
    loadDialog().then(function () {
      self.dialog = new window.Priem._.Dialog(self, ctx, opener);
    }, function () {
      self.dialog = null;
      append(clear(self.phoneBox), h('p', { class: 'priem-error', role: 'alert', text: errorMessage({ http: 0 }, self.phone) }));
    });
  };

  /** After a booking or a "taken" answer: the time is no longer free anywhere in this widget. */
  Widget.prototype.markTaken = function (filial, doctor, date, time) {
    this.schedules.forEach(function (s) {
      if (s.target.filial === filial && s.target.doctor === doctor) { s.markTaken(date, time); }
    });
    var btns = this.el.querySelectorAll('[data-slot="' + slotId(filial, doctor, date, time).replace(/"/g, '\\"') + '"]');
    Array.prototype.forEach.call(btns, function (b) {
      var box = b.parentNode;
      box.removeChild(b);
      rove(box);
    });
  };

  /* ---------- doctor mode ---------- */
  Widget.prototype.doctorMode = function () {
    var self = this, targets = (this.cfg.targets || []).filter(function (t) { return t && t.filial && t.doctor; });
    this.el.classList.add('priem-root--doctor');
    if (!targets.length) {
      this.body.appendChild(h('p', { class: 'priem-error', text: 'Онлайн-запись к этому врачу недоступна.' }));
      return;
    }
    this.targets = targets;
    this.current = 0;
    var panelId = nextId('panel');
    this.panel = h('div', { class: 'priem-panel', id: panelId });
    if (this.cfg.collapsed) {
      var btn = h('button', {
        type: 'button', class: 'priem-btn priem-btn--primary priem-open', 'aria-expanded': 'false', 'aria-controls': panelId,
        onclick: function () {
          var open = btn.getAttribute('aria-expanded') !== 'true';
          btn.setAttribute('aria-expanded', open ? 'true' : 'false');
          self.panel.hidden = !open;
          self.el.classList.toggle('priem-root--closed', !open);
          if (open && !self.started) { self.startDoctor(); }
        }
      }, [icon('calendar'), h('span', { text: 'Выбрать дату и время' })]);
      this.panel.hidden = true;
      this.el.classList.add('priem-root--closed'); // the button and the phone side by side
      append(this.body, [btn, this.panel]);
    } else {
      this.body.appendChild(this.panel);
      this.startDoctor();
    }
  };

  Widget.prototype.startDoctor = function () {
    var self = this;
    this.started = true;
    this.switchEl = h('div', { class: 'priem-switch' });
    this.clinicEl = h('div', { class: 'priem-place' });
    this.schedEl = h('div', { class: 'priem-panel__schedule' });
    append(this.panel, [this.switchEl, this.clinicEl, this.schedEl]);
    if (this.targets.length > 1) {
      this.api.get('filials', {}).then(function (d) {
        self.filials = d.filials || [];
        self.renderSwitch();
      }, function () { self.renderSwitch(); });
      this.renderSwitch();
    }
    this.showTarget(0, false);
  };

  Widget.prototype.filialName = function (code) {
    var f = (this.filials || []).filter(function (x) { return String(x.code) === String(code); })[0];
    return f ? f.name : 'Клиника ' + code;
  };

  Widget.prototype.renderSwitch = function () {
    var self = this, group = h('div', { class: 'priem-switch__list', role: 'group', 'aria-label': 'Клиника' });
    this.targets.forEach(function (t, i) {
      group.appendChild(h('button', {
        type: 'button', class: 'priem-chip' + (i === self.current ? ' priem-chip--active' : ''),
        'aria-pressed': i === self.current ? 'true' : 'false', text: self.filialName(t.filial),
        onclick: function () { self.showTarget(i, true); }
      }));
    });
    append(clear(this.switchEl), [h('p', { class: 'priem-label', text: 'Клиника' }), group]);
  };

  Widget.prototype.showTarget = function (i, focus) {
    var self = this;
    this.current = i;
    if (this.targets.length > 1) {
      this.renderSwitch();
      if (focus) { this.switchEl.querySelectorAll('.priem-chip')[i].focus(); }
    }
    // One Schedule per target, kept alive so switching back neither re-downloads nor loses the chosen day.
    this.schedEls = this.schedEls || {};
    var s = this.schedEls[i];
    if (!s) {
      s = this.schedEls[i] = new Schedule(this, this.targets[i]);
      s.onload = function (grid) { if (self.current === i) { self.renderClinic(grid); } };
    }
    clear(this.schedEl).appendChild(s.el);
    clear(this.clinicEl);
    if (s.grid) { this.renderClinic(s.grid); }
  };

  /**
   * The clinic above the schedule: name, address and metro, phone, the patients' ages (the
   * doctor's or the clinic's) where the cards have them.
   */
  Widget.prototype.renderClinic = function (grid) {
    var f = grid.filial, ages = (grid.doctor && grid.doctor.ages) || f.ages;
    append(clear(this.clinicEl), [
      this.targets.length > 1 ? null : h('span', { class: 'priem-place__name', text: f.name }),
      f.address ? h('span', { class: 'priem-place__item' }, [icon('pin'), f.address + (f.metro ? ', ' + f.metro : '')]) : null,
      f.phone ? h('a', { class: 'priem-place__item priem-phone__link', href: telHref(f.phone) }, [icon('phone'), f.phone]) : null,
      ages ? h('span', { class: 'priem-place__item', text: 'Возраст пациентов: ' + ages }) : null
    ]);
    this.setPhone(f.phone);
  };

  /* ---------- picker mode ---------- */
  // a doctor card's nearest times: two rows of four at most (nc_priem::CARD_TIMES preloads as many)
  var CARD_ROW = 4, CARD_TIMES = 8;

  Widget.prototype.picker = function () {
    var self = this;
    this.el.classList.add('priem-root--picker');
    var fId = nextId('filial'), sId = nextId('spec');
    this.filialSel = h('select', {
      class: 'priem-select', id: fId, onchange: function () { self.filial = self.filialSel.value; self.spec = ''; self.loadDoctors(); }
    });
    this.specSel = h('select', { class: 'priem-select', id: sId, onchange: function () { self.spec = self.specSel.value; self.loadDoctors(); } });
    this.listEl = h('div', { class: 'priem-list', 'aria-live': 'off' });
    this.phoneTop = h('div', { class: 'priem-phone-top' });
    append(this.body, [
      h('div', { class: 'priem-filters' }, [
        h('div', { class: 'priem-filter' }, [h('label', { class: 'priem-label', for: fId, text: 'Клиника' }), this.filialSel]),
        h('div', { class: 'priem-filter' }, [h('label', { class: 'priem-label', for: sId, text: 'Специальность' }), this.specSel])
      ]),
      this.phoneTop,
      this.listEl
    ]);
    this.renderPhone();
    this.spec = this.cfg.specialty || '';
    // The clinic shown first (the page names it: the first one, or the block's own): its doctors
    // are asked for at once, beside the list of clinics, and the page has the browser preload them.
    this.filial = String(this.cfg.filial || '');
    this.filialSel.disabled = this.specSel.disabled = true;
    this.listEl.appendChild(spinner('Загружаем клиники…'));
    this.api.get('filials', {}).then(function (d) {
      var list = (d.filials || []);
      if (!list.length) {
        clear(self.listEl).appendChild(h('p', { class: 'priem-empty__title', text: 'Онлайн-запись пока недоступна.' }));
        return;
      }
      list.forEach(function (f) {
        self.filialSel.appendChild(h('option', { value: f.code, text: f.name + (f.address ? ' — ' + f.address : '') }));
      });
      var known = list.some(function (f) { return String(f.code) === self.filial; });
      if (!known) { self.filial = String(list[0].code); }
      self.filialSel.value = self.filial;
      self.filialSel.disabled = list.length < 2;
      if (!known) { self.loadDoctors(); }
    }, function (err) {
      if (!self.filial) { clear(self.listEl).appendChild(h('p', { class: 'priem-error', role: 'alert', text: err.message })); }
    });
    if (this.filial) { this.loadDoctors(); }
  };

  Widget.prototype.loadDoctors = function () {
    var self = this, filial = this.filial, spec = this.spec;
    var seq = this.seq = (this.seq || 0) + 1;
    this.schedules = [];
    clear(this.listEl).appendChild(spinner('Ищем врачей со свободным временем…'));
    // The specialty list comes from the filial's unfiltered answer (cached).
    var all = this.api.get('doctors', { filial: filial, times: CARD_TIMES });
    var filtered = spec ? this.api.get('doctors', { filial: filial, specialty: spec, times: CARD_TIMES }) : all;
    Promise.all([all, filtered]).then(function (r) {
      if (seq !== self.seq) { return; }
      self.renderSpecs(r[0].specialties || [], spec);
      self.setPhone(r[1].filial && r[1].filial.phone);
      self.renderDoctors(r[1]);
    }, function (err) {
      if (seq !== self.seq) { return; }
      clear(self.listEl).appendChild(h('div', { class: 'priem-error', role: 'alert' }, [
        h('p', { text: err.message }),
        h('button', { type: 'button', class: 'priem-btn priem-btn--ghost', text: 'Повторить', onclick: function () { self.loadDoctors(); } })
      ]));
    });
  };

  Widget.prototype.renderSpecs = function (specs, spec) {
    var sel = clear(this.specSel);
    sel.appendChild(h('option', { value: '', text: 'Все специальности' }));
    specs.forEach(function (s) {
      sel.appendChild(h('option', { value: s.name, text: s.name + (s.doctors ? ' (' + s.doctors + ')' : ''), disabled: s.doctors === 0 }));
    });
    sel.value = spec;
    if (sel.value !== spec) { sel.value = ''; this.spec = ''; }
    sel.disabled = false;
  };

  Widget.prototype.renderDoctors = function (data) {
    var self = this, list = clear(this.listEl);
    var doctors = (data.doctors || []).filter(function (d) { return d.nearest && d.free > 0; });
    if (!doctors.length) {
      list.appendChild(h('div', { class: 'priem-empty' }, [
        h('p', { class: 'priem-empty__title', text: 'Нет врачей со свободным временем' }),
        h('p', { class: 'priem-empty__text', text: 'Выберите другую специальность или клинику либо позвоните нам.' })
      ]));
      this.announce('Нет врачей со свободным временем.');
      return;
    }
    doctors.forEach(function (d) { list.appendChild(self.doctorCard(d, data.filial)); });
    preloadDialog();
    this.announce('Найдено врачей: ' + doctors.length + '.');
  };

  Widget.prototype.doctorCard = function (doc, filial) {
    var self = this, near = doc.nearest, panelId = nextId('doc');
    var nameId = nextId('name');
    var times = h('div', { class: 'priem-slots', role: 'group', 'aria-label': 'Ближайшее время, ' + fmt.dayFull(near.date) });
    // four to a row: whole rows only (4 or 8), unless the day has fewer than four
    var list = near.times || [];
    list.slice(0, list.length < CARD_ROW ? list.length : list.length - list.length % CARD_ROW).forEach(function (t) {
      times.appendChild(self.timeButton({ filial: filial, doctor: doc, tz_label: filial.tz_label, date: near.date, slot: t }));
    });
    rove(times);
    var panel = h('div', { class: 'priem-card__schedule', id: panelId, hidden: true });
    var more = h('button', {
      type: 'button', class: 'priem-btn priem-btn--outline priem-card__more', 'aria-expanded': 'false', 'aria-controls': panelId,
      'aria-describedby': nameId,
      onclick: function () {
        var open = more.getAttribute('aria-expanded') !== 'true';
        more.setAttribute('aria-expanded', open ? 'true' : 'false');
        more.lastChild.textContent = open ? 'Свернуть расписание' : 'Все даты и время';
        panel.hidden = !open;
        if (open && !panel.firstChild) {
          panel.appendChild(new Schedule(self, { filial: filial.code, doctor: doc.code }).el);
        }
      }
    }, [icon('calendar'), h('span', { text: 'Все даты и время' })]);
    var meta = [], ages = doc.ages || filial.ages;
    if (doc.experience) { meta.push(experienceLabel(doc.experience)); }
    if (ages) { meta.push('Возраст пациентов: ' + ages); }
    return h('article', { class: 'priem-card', 'aria-labelledby': nameId }, [
      h('div', { class: 'priem-card__head' }, [
        avatar(doc, 'priem-avatar--lg'),
        h('div', { class: 'priem-card__info' }, [
          h('p', { class: 'priem-card__name', id: nameId, text: doc.name }),
          h('p', { class: 'priem-card__spec', text: (doc.specialties || []).join(', ') }),
          meta.length ? h('p', { class: 'priem-card__meta', text: meta.join(' · ') }) : null,
          doc.price_from ? h('p', { class: 'priem-card__price', text: fmt.price(doc.price_from) }) : null
        ])
      ]),
      h('div', { class: 'priem-card__near' }, [
        h('p', { class: 'priem-card__when' }, [
          'Ближайшая запись: ', h('strong', { text: fmt.when(near.date) }),
          h('span', { class: 'priem-card__tz', text: ' · ' + (filial.tz_label || 'время местное') })
        ]),
        times,
        more
      ]),
      panel
    ]);
  };

  /* ------------------------------------------------------------------ *
   * Mounting
   * ------------------------------------------------------------------ */
  function mount(el) {
    if (!el || el.__priem) { return el && el.__priem; }
    el.__priem = new Widget(el);
    return el.__priem;
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll('.priem-widget'), mount);
  }

  window.Priem = {
    mount: mount,
    mountAll: mountAll,
    // for priem-dialog.js
    _: {
      h: h, append: append, clear: clear, icon: icon, nextId: nextId, fmt: fmt, NB: NB, capitalize: capitalize,
      freeLabel: freeLabel, errorMessage: errorMessage, phoneLine: phoneLine, avatar: avatar, focusables: focusables,
      rove: rove, shadow: shadow
    }
  };

  // The script comes right after the (first) widget, async: mount what is there now, and any
  // widget further down the page once it is parsed.
  mountAll();
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mountAll);
  }
})(window, document);
