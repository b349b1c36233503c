#!/usr/bin/env python3
"""End-to-end check of a running demo (demo/run --background first; reads demo/.run/env).

    tests/demo_smoke.py [--transport http|ftp]

1. books a free time of a Yekaterinburg doctor through the site's API (token, the minimal fill
   time, POST ?action=book) → "confirmed"; the MIS simulator has it, with the local time matched;
2. waits for the MIS's next snapshot, runs one cron tick (the module's cli.php) and checks that
   the imported schedule (Priem_Slot.free) now has that time taken;
3. puts the MIS down (ctl down), books another time → "pending"; one tick → an alert letter in
   the demo's mail folder; MIS up, one tick → the booking is confirmed, a "resolved" letter.
Ticks are run here (not waited for); the demo's own cron loop may run some too — the engine's
lock makes that safe. Stdlib only; prints one line per step, exits 1 on the first failure.
"""
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def env():
    path = os.path.join(REPO, "demo", ".run", "env")
    if not os.path.exists(path):
        sys.exit("demo_smoke: no demo/.run/env: start the demo with demo/run --background")
    out = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"export (\w+)='?([^']*)'?$", line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out


E = env()
SITE = E["PRIEM_DEMO_URL"]
API = SITE + "/netcat/modules/priem/api.php"
CONTROL = E["PRIEM_MIS_CONTROL"]


def step(msg):
    print("[smoke] " + msg, flush=True)


def fail(msg):
    print("[smoke] FAIL: " + msg, flush=True)
    sys.exit(1)


def http(url, body=None, method=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data is not None else "GET"))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read().decode() or "null")
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text


def ctl(cmd):
    return http(CONTROL + "/" + cmd, body={} if cmd not in ("status", "bookings") else None)[1]


def tick():
    php = ["php", "-d", "extension=" + E["PRIEM_DEMO_EXTENSION"], "-d", "short_open_tag=On",
           os.path.join(E["PRIEM_DEMO_SITE_ROOT"], "netcat/modules/priem/cli.php"), "127.0.0.1"]
    out = subprocess.run(php, capture_output=True, text=True, timeout=120)
    line = (out.stdout + out.stderr).strip()
    step("tick: " + line)
    return line


def sql(query):
    out = subprocess.run(["mysql", "--protocol=tcp", "-h127.0.0.1", "-P" + E["PRIEM_DEMO_DB_PORT"], "-uroot",
                          "-N", "-B", E["PRIEM_DEMO_DB"], "-e", query], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def free_slots(filial, doctor, skip_days=1):
    code, g = http("%s?action=grid&filial=%s&doctor=%s" % (API, filial, doctor))
    if code != 200:
        fail("grid %s/%s: HTTP %s %s" % (filial, doctor, code, g))
    out = []
    for day in g["days"][skip_days:]:
        for part in day["parts"]:
            for s in part["slots"]:
                if s["free"]:
                    out.append((day["date"], s["time_start"], s["time_end"]))
    return g, out


def book(filial, doctor, date, time_start, phone):
    code, t = http(API + "?action=token")
    if code != 200:
        fail("token: HTTP %s %s" % (code, t))
    time.sleep(float(t.get("min_fill_seconds") or 0) + 0.5)
    body = {"token": t["token"], "idempotency_key": "smoke-%016x" % random.getrandbits(64),
            "filial": filial, "doctor": doctor, "date": date, "time_start": time_start,
            "name": "Проверкин Пётр Сергеевич", "phone": phone, "comment": "демо: проверка",
            "consent": True, "website": "", "captcha": ""}
    t0 = time.time()
    code, answer = http(API + "?action=book", body)
    step("book %s/%s %s %s → HTTP %s %s in %.1f s" % (filial, doctor, date, time_start, code,
                                                     answer.get("status") if isinstance(answer, dict) else answer,
                                                     time.time() - t0))
    return code, answer


def mails():
    d = E["PRIEM_DEMO_MAIL_DIR"]
    out = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            out.append(json.load(open(os.path.join(d, name), encoding="utf-8")))
    return out


def main():
    ctl("up")
    # a Yekaterinburg doctor (filial 3, UTC+5): the MIS must match UTC times to local cells
    code, docs = http(API + "?action=doctors&filial=3")
    if code != 200:
        fail("doctors: HTTP %s %s" % (code, docs))
    doctors = docs["doctors"] if isinstance(docs, dict) and "doctors" in docs else docs
    doctor = doctors[0]["code"]
    g, slots = free_slots("3", doctor)
    if len(slots) < 2:
        fail("fewer than two free times for 3/%s" % doctor)
    date, start, end = slots[0]
    step("doctor 3/%s (%s), %d free times; booking %s %s" % (doctor, g["timezone"], len(slots), date, start))

    # 1. confirmed, and the MIS has it
    before = len(ctl("bookings"))
    code, answer = book("3", doctor, date, start, "+7 (900) 123-45-67")
    if answer.get("status") != "confirmed":
        fail("expected confirmed, got %s" % answer)
    received = ctl("bookings")[before:]
    mine = [b for b in received if b["success"] and b["key"] == ["3", doctor, date, start]]
    if not mine:
        fail("the MIS did not receive it as 3/%s %s %s: %s" % (doctor, date, start, received))
    step("MIS received it: %s → %s (UTC %s)" % (mine[0]["via"], mine[0]["key"], mine[0]["payload"]["dt_start"]))

    # 2. the next snapshot marks it taken; one tick imports it
    start_utc = mine[0]["payload"]["dt_start"].replace("T", " ").rstrip("Z")
    deadline = time.time() + 60
    while time.time() < deadline:
        st = ctl("status")
        last = st.get("last_snapshot") or {}
        if last.get("at", "") >= mine[0]["received_at"] and last.get("taken_by_site", 0) >= 1:
            break
        time.sleep(1)
    else:
        fail("no snapshot after the booking within 60 s")
    step("MIS uploaded %s" % last["file"])
    for where in ("", "processed"):
        path = os.path.join(E["PRIEM_DEMO_FTP_ROOT"], last["file"].rsplit("/", 1)[0], where, last["file"].rsplit("/", 1)[1])
        if os.path.exists(path):
            snap = json.load(open(path, encoding="utf-8"))
            cell = [c for c in snap["data"]["3"][doctor]["cells"] if c["dt"] == date and c["time_start"] == start]
            if not cell or cell[0]["free"] is not False:
                fail("the snapshot does not mark %s %s taken: %s" % (date, start, cell))
            step("the snapshot has it \"free\": false")
            break
    for _ in range(3):
        tick()
        free = sql("SELECT free FROM Priem_Slot WHERE filial='3' AND doctor='%s' AND start_utc='%s'" % (doctor, start_utc))
        if free == "0":
            break
        time.sleep(2)
    if free != "0":
        fail("after the import Priem_Slot.free = %r for %s (expected 0)" % (free, start_utc))
    step("the imported schedule has %s %s taken (Priem_Slot.free = 0)" % (date, start))

    # 3. MIS down: pending, an alert letter; up: confirmed, resolved
    ctl("down")
    n_mail = len(mails())
    try:
        date2, start2, _ = slots[1]
        code, answer = book("3", doctor, date2, start2, "+7 (900) 765-43-21")
        if answer.get("status") != "pending":
            fail("with the MIS down expected pending, got %s" % answer)
        step("visitor sees: %s" % answer.get("message"))
        # the engine retries after 1 minute; the failing retry raises the alert and mails it
        deadline = time.time() + 180
        while time.time() < deadline and len(mails()) <= n_mail:
            tick()
            time.sleep(15)
        new = mails()[n_mail:]
        if not new:
            fail("no alert letter after a tick with the MIS down")
        for m in new:
            step("letter: %s → %s" % (m["subject"], ", ".join(m["rcpt_tos"])))
    finally:
        ctl("up")
    n_mail = len(mails())
    bid = answer["booking"]["id"] if isinstance(answer.get("booking"), dict) else None
    deadline = time.time() + 240     # the next retry is due 2 minutes after the failed one
    while time.time() < deadline:
        tick()
        status = sql("SELECT status FROM Priem_Booking WHERE id=%d" % bid) if bid else ""
        if status == "confirmed":
            break
        time.sleep(15)
    step("after ctl up: booking %s is %s" % (bid, status))
    if status != "confirmed":
        fail("the pending booking was not confirmed after the MIS came back")
    time.sleep(2)
    for m in mails()[n_mail:]:
        step("letter: %s" % m["subject"])
    step("OK")


if __name__ == "__main__":
    main()
