/*
 * priem — the booking dialog «Запись на приём к врачу» (NetCat module "priem"): the form, its
 * checks and phone mask, the booking request and its answers (confirmed, pending, taken, refused,
 * field errors). priem.js loads it when the page is idle after the first times, or when a time is
 * chosen, and gives it its helpers (window.Priem._). netcat-module/build.sh builds the shipped
 * script from this file, minified, with priem-dialog.css inlined as PRIEM_DIALOG_CSS.
 */
/* global PRIEM_DIALOG_CSS */
(function (window, document) {
  'use strict';

  var _ = window.Priem._;
  var h = _.h, append = _.append, clear = _.clear, icon = _.icon, nextId = _.nextId, fmt = _.fmt, NB = _.NB,
    capitalize = _.capitalize, freeLabel = _.freeLabel, errorMessage = _.errorMessage, phoneLine = _.phoneLine,
    avatar = _.avatar, focusables = _.focusables, rove = _.rove, shadow = _.shadow;

  /** A random idempotency key: 32 hex digits (the API takes 16–128 of [A-Za-z0-9_-]). */
  function newKey() {
    return Array.prototype.map.call(window.crypto.getRandomValues(new Uint8Array(16)), function (b) {
      return (b + 256).toString(16).slice(1);
    }).join('');
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

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
    this.shadow = shadow(this.host, PRIEM_DIALOG_CSS);
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

  /** The form's words as the site's extension says them (the widget's config: texts). */
  BookingDialog.prototype.text = function (key) {
    return (this.widget.cfg.texts || {})[key] || '';
  };

  BookingDialog.prototype.validate = function () {
    var f = this.fields, errors = {};
    var name = f.name.value.trim();
    if (!name) { errors.name = this.text('name_missing'); }
    else if (name.length < 2) { errors.name = this.text('name_short'); }
    var digits = phoneDigits(f.phone.value);
    if (!digits) { errors.phone = this.text('phone_missing'); }
    else if (digits.length !== 10) { errors.phone = this.text('phone_length'); }
    if (!f.consent.checked) { errors.consent = this.text('consent_missing'); }
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
      this.result('success', d.message || this.text('confirmed'), null, d.booking, d.ics_url);
    } else if (a.ok && status === 'pending') {
      this.widget.markTaken(c.filial.code, c.doctor.code, c.date, c.slot.time_start);
      this.result('pending', this.text('pending'),
        'Мы передали заявку в клинику. Администратор позвонит вам, чтобы подтвердить время приёма.', d.booking, null);
      this.watch(d.booking);
    } else if (a.ok && status === 'refused') {
      this.key = newKey();
      this.showAlternatives('refused', 'Не удалось записаться на это время',
        d.message || 'Клиника не смогла принять запись на это время. Выберите другое время или позвоните в клинику.', d.alternatives);
    } else if (a.http === 409 || status === 'taken') {
      this.widget.markTaken(c.filial.code, c.doctor.code, c.date, c.slot.time_start);
      this.showAlternatives('taken', this.text('taken'), null, d.alternatives);
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
          self.result('success', self.text('confirmed'), 'Клиника подтвердила запись.', a.data.booking,
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
    // By day, in the order the site gives them (the day wanted first, then the nearest days);
    // a day's times in clock order.
    var byDate = {}, order = [];
    alts.forEach(function (s) { if (!byDate[s.date]) { byDate[s.date] = []; order.push(s.date); } byDate[s.date].push(s); });
    order.forEach(function (date) {
      byDate[date].sort(function (a, b) { return a.time_start < b.time_start ? -1 : 1; });
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

  _.Dialog = BookingDialog;
})(window, document);
