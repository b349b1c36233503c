/*
 * priem — online booking widget for clinic sites (NetCat module "priem").
 * Vanilla JS (ES2017), no dependencies. netcat-module/build.sh builds the script the package ships
 * (netcat/modules/priem/widget/priem.js): this file minified, with priem.css inlined as PRIEM_CSS.
 *
 * Mounts every `.priem-widget` element, reading its JSON config from `data-priem`
 * (see docs/api.md, "Embedding the widget"). `window.Priem.mount(el)` mounts one added later.
 * The widget and its dialog draw inside shadow roots of their own, with the stylesheet inside,
 * so the host page's theme does not reach them.
 */
/* global PRIEM_CSS */
(function (window, document) {
  'use strict';

  if (window.Priem && window.Priem.mount) {
    return;
  }

  /* ------------------------------------------------------------------ *
   * Russian dates. The API gives the clinic's local dates (YYYY-MM-DD) and
   * times (HH:MM), so we never convert time zones: we only name the weekday
   * and month of a calendar date, computed in UTC to stay zone-independent.
   * ------------------------------------------------------------------ */
  var WEEKDAYS = ['воскресенье', 'понедельник', 'вторник', 'среда', 'четверг', 'пятница', 'суббота'];
  var WEEKDAYS_SHORT = ['вс', 'пн', 'вт', 'ср', 'чт', 'пт', 'сб'];
  var MONTHS = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа',
    'сентября', 'октября', 'ноября', 'декабря'];
  var MONTHS_SHORT = ['янв.', 'февр.', 'марта', 'апр.', 'мая', 'июня', 'июля', 'авг.',
    'сент.', 'окт.', 'нояб.', 'дек.'];

  function parseDate(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(s || ''));
    if (!m) {
      return null;
    }
    var y = +m[1], mo = +m[2] - 1, d = +m[3];
    return { y: y, m: mo, d: d, wd: new Date(Date.UTC(y, mo, d)).getUTCDay() };
  }

  function capitalize(s) {
    s = String(s || '');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // Dates keep the day and its month on one line (a no-break space, U+00A0, between them).
  var NB = '\u00a0';
  var fmt = {
    /** "пн" */
    weekdayShort: function (s) { var p = parseDate(s); return p ? WEEKDAYS_SHORT[p.wd] : ''; },
    /** "Вторник, 1 декабря" */
    dayFull: function (s) { var p = parseDate(s); return p ? capitalize(WEEKDAYS[p.wd]) + ', ' + p.d + NB + MONTHS[p.m] : s; },
    /** "пн, 1 декабря, 09:00" */
    when: function (s, time) {
      var p = parseDate(s);
      return (p ? WEEKDAYS_SHORT[p.wd] + ', ' + p.d + NB + MONTHS[p.m] : s) + (time ? ', ' + time : '');
    },
    /** "1 – 7 декабря", "29 ноября – 5 декабря" */
    range: function (a, b) {
      var p = parseDate(a), q = parseDate(b);
      if (!p || !q) { return ''; }
      if (a === b) { return p.d + NB + MONTHS[p.m]; }
      return (p.m === q.m ? p.d : p.d + NB + MONTHS[p.m]) + NB + '– ' + q.d + NB + MONTHS[q.m];
    },
    /** "от 1 500 ₽": the format of the shipped templates too (no-break spaces in the number, before ₽ and after «от») */
    price: function (n) { return 'от' + NB + String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, NB) + NB + '₽'; }
  };

  function plural(n, one, few, many) {
    var n10 = n % 10, n100 = n % 100;
    if (n10 === 1 && n100 !== 11) { return one; }
    if (n10 >= 2 && n10 <= 4 && (n100 < 12 || n100 > 14)) { return few; }
    return many;
  }

  function freeLabel(n) {
    return n + ' ' + plural(n, 'свободное окно', 'свободных окна', 'свободных окон');
  }

  function experienceLabel(years) {
    return 'Стаж ' + years + ' ' + plural(years, 'год', 'года', 'лет');
  }

  function telHref(phone) {
    var d = String(phone || '').replace(/[^\d+]/g, '');
    if (/^8\d{10}$/.test(d)) { d = '+7' + d.slice(1); }
    return 'tel:' + d;
  }

  function initials(name) {
    var parts = String(name || '').trim().split(/\s+/);
    return ((parts[0] || '').charAt(0) + (parts[1] || '').charAt(0)).toUpperCase() || '?';
  }

  var uid = 0;
  function nextId(prefix) { uid += 1; return 'priem-' + prefix + '-' + uid; }

  /** A random idempotency key: UUID v4 from crypto, with a getRandomValues fallback. */
  function newKey() {
    var c = window.crypto || window.msCrypto;
    if (c && typeof c.randomUUID === 'function') {
      return c.randomUUID();
    }
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  /* ------------------------------------------------------------------ *
   * HTTP client: no DOM here. Answers are {ok, http, data, retryAfter};
   * GETs are cached per URL (so per filial × doctor), failures are not.
   * ------------------------------------------------------------------ */
  function Api(base) {
    this.base = base || '/netcat/modules/priem/api.php';
    this.cache = {};
  }

  Api.prototype.url = function (action, params) {
    var q = ['action=' + encodeURIComponent(action)];
    Object.keys(params || {}).forEach(function (k) {
      if (params[k] !== undefined && params[k] !== null && params[k] !== '') {
        q.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k]));
      }
    });
    return this.base + (this.base.indexOf('?') >= 0 ? '&' : '?') + q.join('&');
  };

  Api.prototype.request = function (method, action, params, body) {
    var init = { method: method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(this.url(action, params), init).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        return {
          ok: res.ok && data !== null && typeof data === 'object',
          http: res.status,
          data: data,
          retryAfter: res.headers.get('Retry-After')
        };
      });
    }, function () {
      return { ok: false, http: 0, data: null, network: true };
    });
  };

  /** Cached GET; resolves with data or rejects with {message, answer}. */
  Api.prototype.get = function (action, params) {
    var self = this, url = this.url(action, params), cache = this.cache;
    if (!cache[url]) {
      cache[url] = this.request('GET', action, params).then(function (answer) {
        if (!answer.ok) {
          delete cache[url];
          throw { message: errorMessage(answer, self.phone), answer: answer };
        }
        return answer.data;
      });
    }
    return cache[url];
  };

  /**
   * The Russian message for a failed answer, saying what happened: no connection, an answer that is
   * not the API's (a proxy's or the web server's own error page, whatever its status), the API's
   * own refusal, or a server error; with the clinic's phone where it helps.
   */
  function errorMessage(answer, phone) {
    var data = answer.data, msg = data && typeof data.message === 'string' ? data.message : '';
    var call = phone ? ' или позвоните: ' + phone + '.' : ' или позвоните в клинику.';
    if (!answer.http) {
      return 'Нет связи с сервером. Проверьте интернет и попробуйте ещё раз' + call;
    }
    if (!data) {
      return 'Сервис записи сейчас недоступен (ошибка ' + answer.http + '). Попробуйте позже' + call;
    }
    if (answer.http === 429) {
      var min = Math.ceil((parseInt(answer.retryAfter, 10) || 0) / 60);
      return 'Слишком много попыток записи. Попробуйте ещё раз ' +
        (min > 0 ? 'через ' + min + ' ' + plural(min, 'минуту', 'минуты', 'минут') : 'позже') + call;
    }
    if (msg) {
      return msg;
    }
    if (answer.http === 403) {
      return 'Не удалось проверить форму. Попробуйте отправить ещё раз.';
    }
    if (answer.http === 404) {
      return 'Расписание не найдено.';
    }
    return (answer.http >= 500 ? 'Ошибка на сервере записи. Попробуйте позже' : 'Что-то пошло не так. Попробуйте позже') + call;
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

  /** An open shadow root on `host` with the widget's stylesheet: the host page's CSS stays outside. */
  function shadow(host) {
    var root = host.attachShadow({ mode: 'open' });
    root.appendChild(h('style', { text: PRIEM_CSS }));
    return root;
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
    if (this.dialog) { return; }
    this.dialog = new BookingDialog(this, ctx, opener);
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
  var CARD_ROW = 4, CARD_TIMES = 8; // a doctor card's nearest times: two rows of four at most

  Widget.prototype.picker = function () {
    var self = this;
    this.el.classList.add('priem-root--picker');
    var fId = nextId('filial'), sId = nextId('spec');
    this.filialSel = h('select', { class: 'priem-select', id: fId, onchange: function () { self.spec = ''; self.loadDoctors(); } });
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
      if (self.cfg.filial && list.some(function (f) { return String(f.code) === String(self.cfg.filial); })) {
        self.filialSel.value = String(self.cfg.filial);
      }
      self.filialSel.disabled = list.length < 2;
      self.loadDoctors();
    }, function (err) {
      clear(self.listEl).appendChild(h('p', { class: 'priem-error', role: 'alert', text: err.message }));
    });
  };

  Widget.prototype.loadDoctors = function () {
    var self = this, filial = this.filialSel.value, spec = this.spec;
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
   * The booking dialog
   * ------------------------------------------------------------------ */
  var CSS_VARS = ['--priem-accent', '--priem-accent-hover', '--priem-accent-soft', '--priem-text', '--priem-muted',
    '--priem-border', '--priem-bg', '--priem-surface', '--priem-danger', '--priem-success', '--priem-warning',
    '--priem-radius', '--priem-font'];

  function BookingDialog(widget, ctx, opener) {
    var self = this;
    this.widget = widget;
    this.ctx = ctx;
    this.opener = opener;
    this.key = newKey();
    this.sending = false;
    this.captchaToken = '';
    this.taken = [];

    var titleId = nextId('title');
    this.live = h('div', { class: 'priem-sr', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.content = h('div', { class: 'priem-dialog__body' });
    this.window = h('div', {
      class: 'priem-dialog__window', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, tabindex: '-1'
    }, [
      h('div', { class: 'priem-dialog__head' }, [
        h('h2', { class: 'priem-dialog__title', id: titleId, text: 'Запись на приём к врачу' }),
        h('button', { type: 'button', class: 'priem-dialog__close', 'aria-label': 'Закрыть', onclick: function () { self.close(); } }, icon('close'))
      ]),
      this.content,
      this.live
    ]);
    // A click on the backdrop closes the dialog unless it would throw away what was typed.
    var backdrop = h('div', { class: 'priem-dialog__backdrop', onclick: function () { if (!self.dirty()) { self.close(); } } });
    // The dialog lives in a host of its own at the end of <body>, in its own shadow root; it
    // carries the site's colours over from the widget's host.
    this.host = h('div', { class: 'priem-dialog-host' });
    this.shadow = shadow(this.host);
    this.shadow.appendChild(h('div', { class: 'priem-dialog' }, [backdrop, this.window]));
    var cs = window.getComputedStyle(widget.host);
    CSS_VARS.forEach(function (v) {
      var val = cs.getPropertyValue(v);
      if (val && val.trim()) { self.host.style.setProperty(v, val.trim()); }
    });

    this.onKey = function (e) { self.keydown(e); };
    // Focus that leaves the dialog (events from inside a shadow root come retargeted to its host).
    this.onFocusIn = function (e) {
      if (e.target !== self.host) { self.focusFirst(); }
    };
    document.addEventListener('keydown', this.onKey, true);
    document.addEventListener('focusin', this.onFocusIn);
    this.savedOverflow = document.documentElement.style.overflow;
    document.documentElement.style.overflow = 'hidden';

    this.buildForm();
    this.showForm();
    document.body.appendChild(this.host);
    // Focus the first field, except on touch screens where the keyboard would hide the summary.
    var coarse = window.matchMedia && window.matchMedia('(pointer: coarse)').matches;
    (coarse ? this.window : this.fields.name).focus();
    this.fetchToken();
    this.announce('Открыта форма записи: ' + this.whenText() + '.');
  }

  BookingDialog.prototype.announce = function (text) {
    var live = this.live;
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 50);
  };

  BookingDialog.prototype.dirty = function () {
    var f = this.fields;
    return this.screen === 'form' && !!(f.name.value.trim() || phoneDigits(f.phone.value) || f.comment.value.trim());
  };

  BookingDialog.prototype.whenText = function () {
    return fmt.when(this.ctx.date, this.ctx.slot.time_start);
  };

  BookingDialog.prototype.fetchToken = function () {
    var self = this;
    this.token = this.widget.api.request('GET', 'token', {}).then(function (a) {
      if (!a.ok || !a.data.token) { self.token = null; throw { message: errorMessage(a, self.phone()), answer: a }; }
      var t = { token: a.data.token, min: +a.data.min_fill_seconds || 0, at: Date.now(), captcha: a.data.captcha || null };
      if (t.captcha && t.captcha.site_key) { self.setupCaptcha(t.captcha.site_key); }
      return t;
    });
    this.token.catch(function () { /* reported on submit */ });
    return this.token;
  };

  /** Optional Yandex SmartCaptcha, loaded only when the clinic configured a key. */
  BookingDialog.prototype.setupCaptcha = function (siteKey) {
    var self = this, box = this.captchaBox;
    box.hidden = false;
    function render() {
      window.smartCaptcha.render(box, { sitekey: siteKey, hl: 'ru', callback: function (t) { self.captchaToken = t; } });
    }
    if (window.smartCaptcha) { render(); return; }
    var s = document.createElement('script');
    s.src = 'https://smartcaptcha.yandexcloud.net/captcha.js';
    s.defer = true;
    s.onload = render;
    document.head.appendChild(s);
  };

  BookingDialog.prototype.summary = function () {
    var c = this.ctx, doc = c.doctor || {}, f = c.filial || {};
    var price = doc.price_from, ages = doc.ages || f.ages;
    return h('div', { class: 'priem-summary' }, [
      h('div', { class: 'priem-summary__doctor' }, [
        avatar(doc),
        h('div', {}, [
          h('p', { class: 'priem-summary__name', text: doc.name || '' }),
          h('p', { class: 'priem-summary__spec', text: (doc.specialties || []).join(', ') })
        ])
      ]),
      h('dl', { class: 'priem-summary__list' }, [
        h('div', { class: 'priem-summary__row' }, [
          h('dt', { text: 'Дата и время' }),
          h('dd', {}, [h('strong', { class: 'priem-summary__when', text: capitalize(this.whenText()) }),
            h('span', { class: 'priem-summary__tz', text: ' (' + (c.tz_label || 'время местное') + ')' })])
        ]),
        h('div', { class: 'priem-summary__row' }, [
          h('dt', { text: 'Клиника' }),
          h('dd', {}, [f.name || '', f.address ? h('span', { class: 'priem-summary__addr', text: f.address + (f.metro ? ', ' + f.metro : '') }) : null])
        ]),
        ages ? h('div', { class: 'priem-summary__row' }, [h('dt', { text: 'Возраст' }), h('dd', { text: ages })]) : null,
        price ? h('div', { class: 'priem-summary__row' }, [h('dt', { text: 'Стоимость' }), h('dd', { text: fmt.price(price) })]) : null
      ])
    ]);
  };

  BookingDialog.prototype.field = function (name, label, input, hint) {
    var errId = nextId('err');
    input.id = input.id || nextId(name);
    var err = h('p', { class: 'priem-field__error', id: errId, hidden: true });
    var wrap = h('div', { class: 'priem-field priem-field--' + name }, [
      h('label', { class: 'priem-field__label', for: input.id }, label), input,
      hint ? h('p', { class: 'priem-field__hint', text: hint }) : null, err
    ]);
    this.errors[name] = { el: err, input: input, wrap: wrap };
    return wrap;
  };

  BookingDialog.prototype.buildForm = function () {
    var self = this, cfg = this.widget.cfg;
    this.errors = {};
    var f = this.fields = {
      name: h('input', { class: 'priem-input', type: 'text', name: 'name', autocomplete: 'name', maxlength: '150', required: true, 'aria-required': 'true' }),
      phone: h('input', { class: 'priem-input', type: 'tel', name: 'phone', inputmode: 'tel', autocomplete: 'tel', placeholder: '+7 (___) ___-__-__', required: true, 'aria-required': 'true' }),
      comment: h('textarea', { class: 'priem-input priem-input--area', name: 'comment', maxlength: '500', rows: '3' }),
      consent: h('input', { class: 'priem-check__input', type: 'checkbox', name: 'consent', required: true, 'aria-required': 'true' }),
      website: h('input', { type: 'text', name: 'website', tabindex: '-1', autocomplete: 'off', value: '' })
    };
    f.phone.addEventListener('input', function (e) { phoneMask(f.phone, e); });
    var counter = h('span', { class: 'priem-field__count', 'aria-hidden': 'true', text: '0 / 500' });
    f.comment.addEventListener('input', function () { counter.textContent = f.comment.value.length + ' / 500'; });
    var consentLabel = h('label', { class: 'priem-check' }, [
      f.consent,
      h('span', { class: 'priem-check__box', 'aria-hidden': 'true' }),
      h('span', { class: 'priem-check__text' }, [
        'Я даю согласие на ',
        cfg.policy_url ? h('a', { href: cfg.policy_url, target: '_blank', rel: 'noopener', text: 'обработку персональных данных' }) : 'обработку персональных данных'
      ])
    ]);
    var consentErr = h('p', { class: 'priem-field__error', id: nextId('err'), hidden: true });
    this.errors.consent = { el: consentErr, input: f.consent, wrap: consentLabel };
    this.formError = h('div', { class: 'priem-alert priem-alert--error', role: 'alert', hidden: true });
    this.captchaBox = h('div', { class: 'priem-captcha', hidden: true });
    this.submitBtn = h('button', { type: 'submit', class: 'priem-btn priem-btn--primary priem-btn--wide' }, [
      h('span', { class: 'priem-spinner priem-spinner--btn', 'aria-hidden': 'true' }), h('span', { text: 'Записаться' })
    ]);
    this.form = h('form', { class: 'priem-form', novalidate: true, onsubmit: function (e) { e.preventDefault(); self.submit(); } }, [
      this.field('name', ['ФИО', h('span', { class: 'priem-req', 'aria-hidden': 'true', text: ' *' })], f.name),
      this.field('phone', ['Телефон', h('span', { class: 'priem-req', 'aria-hidden': 'true', text: ' *' })], f.phone),
      h('div', { class: 'priem-field priem-field--comment' }, [
        h('label', { class: 'priem-field__label', for: (f.comment.id = nextId('comment')) }, ['Комментарий ', h('span', { class: 'priem-field__opt', text: '(необязательно)' })]),
        f.comment, counter
      ]),
      h('div', { class: 'priem-hp', 'aria-hidden': 'true' }, [h('label', {}, ['Сайт', f.website])]),
      h('div', { class: 'priem-field priem-field--consent' }, [consentLabel, consentErr]),
      this.captchaBox,
      this.formError,
      this.submitBtn
    ]);
    this.errors.comment = { el: h('p', { class: 'priem-field__error', id: nextId('err'), hidden: true }), input: f.comment };
    f.comment.parentNode.appendChild(this.errors.comment.el);
  };

  BookingDialog.prototype.showForm = function () {
    this.screen = 'form';
    this.summaryEl = this.summary();
    append(clear(this.content), [this.summaryEl, this.form, phoneLine(this.phone(), 'priem-phone--dialog')]);
  };

  BookingDialog.prototype.phone = function () {
    return (this.ctx.filial && this.ctx.filial.phone) || this.widget.phone;
  };

  BookingDialog.prototype.clearErrors = function () {
    var self = this;
    Object.keys(this.errors).forEach(function (k) {
      var e = self.errors[k];
      e.el.hidden = true;
      e.el.textContent = '';
      e.input.removeAttribute('aria-invalid');
      e.input.removeAttribute('aria-describedby');
      if (e.wrap) { e.wrap.classList.remove('priem-field--invalid'); }
    });
    this.formError.hidden = true;
  };

  /** Shows field errors (field → message) in form order, focuses the first bad field. */
  BookingDialog.prototype.showErrors = function (errors) {
    var self = this, first = null, other = [];
    Object.keys(errors).forEach(function (k) {
      var e = self.errors[k];
      if (!e) { other.push(errors[k]); return; }
      e.el.textContent = errors[k];
      e.el.hidden = false;
      e.input.setAttribute('aria-invalid', 'true');
      e.input.setAttribute('aria-describedby', e.el.id);
      if (e.wrap) { e.wrap.classList.add('priem-field--invalid'); }
    });
    ['name', 'phone', 'comment', 'consent'].some(function (k) {
      if (errors[k]) { first = self.fields[k]; return true; }
      return false;
    });
    if (other.length) { this.showFormError(other.join(' ')); }
    if (first) { first.focus(); } else if (other.length) { this.formError.focus(); }
    this.announce('Проверьте форму: ' + Object.keys(errors).map(function (k) { return errors[k]; }).join(' '));
  };

  BookingDialog.prototype.showFormError = function (text) {
    this.formError.textContent = text;
    this.formError.hidden = false;
    this.formError.setAttribute('tabindex', '-1');
  };

  BookingDialog.prototype.validate = function () {
    var f = this.fields, errors = {};
    var name = f.name.value.trim();
    if (!name) { errors.name = 'Укажите фамилию, имя и отчество'; }
    else if (name.length < 2) { errors.name = 'Слишком короткое имя'; }
    var digits = phoneDigits(f.phone.value);
    if (!digits) { errors.phone = 'Укажите телефон для связи'; }
    else if (digits.length !== 10) { errors.phone = 'В номере должно быть 10 цифр после +7'; }
    if (!f.consent.checked) { errors.consent = 'Нужно согласие на обработку персональных данных'; }
    return errors;
  };

  BookingDialog.prototype.setSending = function (on) {
    this.sending = on;
    this.submitBtn.disabled = on;
    this.submitBtn.classList.toggle('priem-btn--busy', on);
    this.submitBtn.lastChild.textContent = on ? 'Отправляем…' : 'Записаться';
    this.form.setAttribute('aria-busy', on ? 'true' : 'false');
  };

  BookingDialog.prototype.submit = function () {
    var self = this;
    if (this.sending) { return; }
    this.clearErrors();
    var errors = this.validate();
    if (Object.keys(errors).length) { this.showErrors(errors); return; }
    this.setSending(true);
    this.announce('Отправляем заявку…');
    var c = this.ctx, f = this.fields;
    (this.token || this.fetchToken()).then(function (t) {
      // The server refuses forms sent sooner than min_fill_seconds after the token: wait the rest.
      var wait = t.at + t.min * 1000 + 250 - Date.now();
      return (wait > 0 ? sleep(wait) : Promise.resolve()).then(function () { return t; });
    }).then(function (t) {
      if (t.captcha && t.captcha.site_key && !self.captchaToken) {
        throw { local: true, message: 'Подтвердите, что вы не робот.' };
      }
      return self.widget.api.request('POST', 'book', {}, {
        token: t.token,
        idempotency_key: self.key,
        filial: String(c.filial.code),
        doctor: String(c.doctor.code),
        date: c.date,
        time_start: c.slot.time_start,
        name: f.name.value.trim().replace(/\s+/g, ' '),
        phone: f.phone.value,
        comment: f.comment.value.trim(),
        consent: f.consent.checked,
        website: f.website.value,
        captcha: self.captchaToken || ''
      });
    }).then(function (a) {
      self.setSending(false);
      self.handle(a);
    }, function (err) {
      self.setSending(false);
      self.token = null; // get a fresh token next time
      self.showFormError((err && err.message) || errorMessage({ http: 0 }, self.phone()));
      self.formError.focus();
      self.announce(self.formError.textContent);
    });
  };

  BookingDialog.prototype.handle = function (a) {
    var d = a.data || {}, status = d.status, c = this.ctx;
    if (a.ok && status === 'confirmed') {
      this.widget.markTaken(c.filial.code, c.doctor.code, c.date, c.slot.time_start);
      this.result('success', d.message || 'Вы записаны', null, d.booking, d.ics_url);
    } else if (a.ok && status === 'pending') {
      this.widget.markTaken(c.filial.code, c.doctor.code, c.date, c.slot.time_start);
      this.result('pending', 'Заявка принята — клиника перезвонит для подтверждения',
        'Мы передали заявку в клинику. Администратор позвонит вам, чтобы подтвердить время приёма.', d.booking, null);
      this.watch(d.booking);
    } else if (a.ok && status === 'refused') {
      this.key = newKey();
      this.showAlternatives('refused', 'Не удалось записаться на это время',
        d.message || 'Клиника не смогла принять запись на это время. Выберите другое время или позвоните в клинику.', d.alternatives);
    } else if (a.http === 409 || status === 'taken') {
      this.widget.markTaken(c.filial.code, c.doctor.code, c.date, c.slot.time_start);
      this.showAlternatives('taken', 'Это время уже занято', null, d.alternatives);
    } else if (a.http === 422 || status === 'invalid') {
      // Nothing was booked: the next attempt is a new one with a new key.
      this.key = newKey();
      this.showErrors(d.errors && typeof d.errors === 'object' ? d.errors : { form: d.message || 'Проверьте форму.' });
    } else {
      if (a.http === 403 || a.http === 429) {
        // Refused before booking, so the next attempt gets a fresh key; a 403 may be an expired
        // token, so get a new one too (except "too_fast", whose token is still good).
        this.key = newKey();
        if (a.http === 403 && status !== 'too_fast') { this.token = null; this.fetchToken(); }
        if (status === 'captcha' && window.smartCaptcha && window.smartCaptcha.reset) { this.captchaToken = ''; window.smartCaptcha.reset(); }
      }
      // Network errors and 5xx keep the key: a retry must not book twice.
      this.showFormError(errorMessage(a, this.phone()));
      this.formError.focus();
      this.announce(this.formError.textContent);
    }
  };

  /**
   * A pending booking is retried by the site: while the dialog stays open, ask for its status now
   * and then (every 20 s, 10 times) and show "Вы записаны" once the clinic's system confirms it.
   */
  BookingDialog.prototype.watch = function (booking) {
    var self = this, left = 10;
    if (!booking || !booking.id || !booking.status_token) { return; }
    function poll() {
      if (self.screen !== 'result' || !self.host.isConnected || left-- <= 0) { return; }
      self.widget.api.request('GET', 'status', { id: booking.id, t: booking.status_token }).then(function (a) {
        if (self.screen !== 'result' || !self.host.isConnected) { return; }
        if (a.ok && a.data.status === 'confirmed') {
          self.result('success', 'Вы записаны', 'Клиника подтвердила запись.', a.data.booking,
            self.widget.api.url('ics', { id: booking.id, t: booking.status_token }));
        } else if (!(a.ok && a.data.status === 'refused')) {
          self.pollTimer = setTimeout(poll, 20000);
        }
      });
    }
    this.pollTimer = setTimeout(poll, 20000);
  };

  BookingDialog.prototype.details = function (b) {
    var c = this.ctx, rows = [
      ['Врач', (b && b.doctor_name) || c.doctor.name],
      ['Специальность', (b && b.specialty) || (c.doctor.specialties || []).join(', ')],
      ['Клиника', (b && b.clinic) || c.filial.name],
      ['Адрес', (b && b.address) || c.filial.address],
      ['Дата и время', capitalize(fmt.when((b && b.date) || c.date, (b && b.time_start) || c.slot.time_start)) +
        ' (' + ((b && b.tz_label) || c.tz_label || 'время местное') + ')']
    ];
    if (b && b.number) { rows.push(['Номер записи', '№' + NB + b.number]); }
    // the date and time stand out; the rest reads as plain text
    return h('dl', { class: 'priem-details' }, rows.filter(function (r) { return r[1]; }).map(function (r) {
      return h('div', { class: 'priem-details__row' }, [h('dt', { text: r[0] }),
        h('dd', { class: r[0] === 'Дата и время' ? 'priem-details__when' : null, text: r[1] })]);
    }));
  };

  BookingDialog.prototype.result = function (kind, title, text, booking, ics) {
    var self = this;
    this.screen = 'result';
    var titleEl = h('h3', { class: 'priem-result__title', tabindex: '-1', text: title });
    var actions = h('div', { class: 'priem-result__actions' });
    if (kind === 'success' && ics) {
      actions.appendChild(h('a', { class: 'priem-btn priem-btn--outline', href: ics, download: 'priem.ics' }, [icon('calendar'), h('span', { text: 'Добавить в календарь' })]));
    }
    actions.appendChild(h('button', { type: 'button', class: 'priem-btn priem-btn--primary', text: 'Готово', onclick: function () { self.close(); } }));
    append(clear(this.content), [
      h('div', { class: 'priem-result priem-result--' + kind }, [
        h('div', { class: 'priem-result__head' }, [
          h('span', { class: 'priem-result__icon' }, icon(kind === 'success' ? 'check' : kind === 'pending' ? 'wait' : 'alert')), titleEl
        ]),
        text ? h('p', { class: 'priem-result__text', text: text }) : null,
        this.details(booking),
        kind === 'success' ? h('p', { class: 'priem-result__text', text: 'Если планы изменятся, пожалуйста, позвоните в клинику.' }) : null,
        actions
      ]),
      phoneLine(this.phone(), 'priem-phone--dialog')
    ]);
    titleEl.focus();
    this.announce(title + (text ? '. ' + text : ''));
  };

  /** "taken" (409) or "refused" (the MIS said no): the message and the next free times as buttons. */
  BookingDialog.prototype.showAlternatives = function (kind, title, text, list) {
    var self = this, c = this.ctx;
    this.screen = kind;
    var alts = (Array.isArray(list) ? list : []).filter(function (s) {
      return s && s.date && s.time_start && !(s.date === c.date && s.time_start === c.slot.time_start);
    });
    if (!text) {
      text = alts.length ? 'Пока вы заполняли форму, время ' + this.whenText() +
        ' заняли. Выберите другое — то, что вы ввели, сохранится:' : 'Пока вы заполняли форму, это время заняли.';
    } else if (alts.length) {
      text += ' Свободное время рядом — то, что вы ввели, сохранится:';
    }
    var titleEl = h('h3', { class: 'priem-result__title', tabindex: '-1', text: title });
    var body = [h('div', { class: 'priem-result__head' }, [h('span', { class: 'priem-result__icon' }, icon('alert')), titleEl]),
      h('p', { class: 'priem-result__text', text: text })];
    // Group the alternatives by day.
    var byDate = {}, order = [];
    alts.forEach(function (s) { if (!byDate[s.date]) { byDate[s.date] = []; order.push(s.date); } byDate[s.date].push(s); });
    order.forEach(function (date) {
      var labelId = nextId('alt');
      var group = h('div', { class: 'priem-slots', role: 'group', 'aria-labelledby': labelId });
      byDate[date].forEach(function (s) {
        group.appendChild(h('button', {
          type: 'button', class: 'priem-slot', text: s.time_start,
          'aria-label': fmt.dayFull(date) + ', ' + s.time_start,
          onclick: function () { self.pick(date, s); }
        }));
      });
      body.push(h('div', { class: 'priem-part' }, [h('p', { class: 'priem-part__label', id: labelId, text: capitalize(fmt.when(date)) }), group]));
    });
    body.push(h('div', { class: 'priem-result__actions' }, [
      h('button', {
        type: 'button', class: 'priem-btn ' + (alts.length ? 'priem-btn--ghost' : 'priem-btn--primary'),
        text: alts.length ? 'Посмотреть всё расписание' : 'Выбрать другое время', onclick: function () { self.close(); }
      })
    ]));
    var box = h('div', { class: 'priem-result priem-result--' + kind }, body);
    append(clear(this.content), [box, phoneLine(this.phone(), 'priem-phone--dialog')]);
    rove(box);
    titleEl.focus();
    this.announce(title + '. ' + text + (alts.length ? ' ' + freeLabel(alts.length) + '.' : ''));
  };

  /** Another time chosen from the alternatives: back to the form, keeping what was typed. */
  BookingDialog.prototype.pick = function (date, slot) {
    this.ctx = Object.assign({}, this.ctx, { date: date, slot: { time_start: slot.time_start, time_end: slot.time_end, free: true } });
    this.key = newKey();
    this.clearErrors();
    this.showForm();
    this.submitBtn.focus();
    this.announce('Выбрано время: ' + this.whenText() + '. Проверьте данные и нажмите «Записаться».');
  };

  BookingDialog.prototype.focusFirst = function () {
    var list = focusables(this.window);
    (list[0] || this.window).focus();
  };

  BookingDialog.prototype.keydown = function (e) {
    if (e.key === 'Escape' || e.key === 'Esc') {
      e.preventDefault();
      e.stopPropagation();
      this.close();
      return;
    }
    if (e.key !== 'Tab') { return; }
    var list = focusables(this.window);
    if (!list.length) { e.preventDefault(); return; }
    var first = list[0], last = list[list.length - 1], active = this.shadow.activeElement;
    if (e.shiftKey && (active === first || !this.window.contains(active) || active === this.window)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !this.window.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  };

  BookingDialog.prototype.close = function () {
    clearTimeout(this.pollTimer);
    document.removeEventListener('keydown', this.onKey, true);
    document.removeEventListener('focusin', this.onFocusIn);
    document.documentElement.style.overflow = this.savedOverflow;
    if (this.host.parentNode) { this.host.parentNode.removeChild(this.host); }
    this.widget.dialog = null;
    // Back to the time that opened the dialog; if it was redrawn or is now taken, to the nearest sensible control.
    var target = this.opener;
    if (!target || !target.isConnected) {
      var el = this.widget.el;
      var id = target && target.getAttribute('data-slot');
      target = (id && el.querySelector('[data-slot="' + id.replace(/"/g, '\\"') + '"]')) ||
        el.querySelector('.priem-slot[tabindex="0"]') || el.querySelector('.priem-day[tabindex="0"]') || el.querySelector('button');
    }
    if (target) { target.focus(); }
  };

  /* ------------------------------------------------------------------ *
   * Phone mask: +7 (___) ___-__-__
   * Accepts typing and pasting "+7 900 123-45-67", "89001234567", "9001234567".
   * ------------------------------------------------------------------ */
  /** The 10 national digits of what was typed. */
  function phoneDigits(value) {
    var v = String(value || '').trim(), d = v.replace(/\D/g, '');
    if (/^\+\s*7/.test(v)) {
      d = d.slice(1);
    } else if (/^[78]/.test(d) && (d.length === 1 || d.length >= 11)) {
      // A leading 8 or 7 typed first, or an 11-digit number pasted: the trunk/country prefix.
      d = d.slice(1);
    }
    if (/^[78]/.test(d) && d.length >= 11) {
      // "89001234567" pasted after the mask's "+7 (".
      d = d.slice(1);
    }
    return d.slice(0, 10);
  }

  function formatPhone(d) {
    var s = '+7 (' + d.slice(0, 3);
    if (d.length > 3) { s += ') ' + d.slice(3, 6); }
    if (d.length > 6) { s += '-' + d.slice(6, 8); }
    if (d.length > 8) { s += '-' + d.slice(8, 10); }
    return s;
  }

  function phoneMask(input, e) {
    var v = input.value, caret = input.selectionStart === null ? v.length : input.selectionStart;
    var deleting = e && e.inputType && e.inputType.indexOf('delete') === 0;
    var d = phoneDigits(v);
    if (!d) {
      input.value = deleting || !v ? '' : '+7 (';
      return;
    }
    // How many national digits stand before the caret, so editing inside the number keeps its place.
    var before = phoneDigits(v.slice(0, caret)).length;
    if (caret >= v.length) { before = d.length; }
    var out = formatPhone(d);
    input.value = out;
    var pos = out.length;
    if (before < d.length) {
      var seen = 0;
      for (var i = 4; i < out.length; i++) {
        if (/\d/.test(out.charAt(i))) { seen += 1; if (seen === before) { pos = i + 1; break; } }
      }
      if (before === 0) { pos = 4; }
    }
    try { input.setSelectionRange(pos, pos); } catch (err) { /* not focused */ }
  }

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

  window.Priem = { mount: mount, mountAll: mountAll, version: '0.1.0', _phone: { digits: phoneDigits, format: formatPhone } };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mountAll);
  } else {
    mountAll();
  }
})(window, document);
