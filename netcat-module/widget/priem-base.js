/*
 * priem booking widget: what it says and asks, without the DOM — Russian dates and labels, the
 * HTTP client of the module's API and the messages of its failures. priem.js imports it;
 * netcat-module/widget/build.mjs bundles both into the one script the package ships.
 */
/* ------------------------------------------------------------------ *
 * Russian dates. The API gives the clinic's local dates (YYYY-MM-DD) and
 * times (HH:MM), so we never convert time zones: we only name the weekday
 * and month of a calendar date, computed in UTC to stay zone-independent.
 * ------------------------------------------------------------------ */
var WEEKDAYS = ['воскресенье', 'понедельник', 'вторник', 'среда', 'четверг', 'пятница', 'суббота'];
var WEEKDAYS_SHORT = ['вс', 'пн', 'вт', 'ср', 'чт', 'пт', 'сб'];
var MONTHS = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа',
  'сентября', 'октября', 'ноября', 'декабря'];
export var MONTHS_SHORT = ['янв.', 'февр.', 'марта', 'апр.', 'мая', 'июня', 'июля', 'авг.',
  'сент.', 'окт.', 'нояб.', 'дек.'];

export function parseDate(s) {
  var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(s || ''));
  if (!m) {
    return null;
  }
  var y = +m[1], mo = +m[2] - 1, d = +m[3];
  return { y: y, m: mo, d: d, wd: new Date(Date.UTC(y, mo, d)).getUTCDay() };
}

export function capitalize(s) {
  s = String(s || '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// Dates keep the day and its month on one line (a no-break space, U+00A0, between them).
export var NB = '\u00a0';
export var fmt = {
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

export function plural(n, one, few, many) {
  var n10 = n % 10, n100 = n % 100;
  if (n10 === 1 && n100 !== 11) { return one; }
  if (n10 >= 2 && n10 <= 4 && (n100 < 12 || n100 > 14)) { return few; }
  return many;
}

export function freeLabel(n) {
  return n + ' ' + plural(n, 'свободное окно', 'свободных окна', 'свободных окон');
}

export function experienceLabel(years) {
  return 'Стаж ' + years + ' ' + plural(years, 'год', 'года', 'лет');
}

export function telHref(phone) {
  var d = String(phone || '').replace(/[^\d+]/g, '');
  if (/^8\d{10}$/.test(d)) { d = '+7' + d.slice(1); }
  return 'tel:' + d;
}

export function initials(name) {
  var parts = String(name || '').trim().split(/\s+/);
  return ((parts[0] || '').charAt(0) + (parts[1] || '').charAt(0)).toUpperCase() || '?';
}

var uid = 0;
export function nextId(prefix) { uid += 1; return 'priem-' + prefix + '-' + uid; }

/* ------------------------------------------------------------------ *
 * HTTP client: no DOM here. Answers are {ok, http, data, retryAfter};
 * GETs are cached per URL (so per filial × doctor), failures are not.
 * ------------------------------------------------------------------ */
export function Api(base) {
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
  var init = { method: method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
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
export function errorMessage(answer, phone) {
  var data = answer.data, msg = data && typeof data.message === 'string' ? data.message : '';
  var call = phone ? ' или позвоните: ' + phone + '.' : ' или позвоните в клинику.';
  if (!answer.http) {
    return 'Нет связи с сервером. Проверьте интернет и попробуйте ещё раз' + call;
  }
  if (!data) {
    return 'Сервис записи сейчас недоступен (ошибка ' + answer.http + '). Попробуйте позже' + call;
  }
  if (answer.http === 429 && !msg) {
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
