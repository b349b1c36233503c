#!/usr/bin/env python3
"""Generate a realistic ProDoctorov schedule document (docs/mis-exchange.md §1.1).

    tools/gen_schedule.py --filials 20 --doctors 1000 --days 30 --seed 1 -o big.json

The output is the plain document: one top-level "<filial code>": "<clinic name>" pair per
filial, plus "data" → filial code → doctor code → {"efio", "espec", "cells"}. JSON is written
compactly (no spaces, UTF-8, not \\u-escaped), as an MIS export would be, so sizes are
realistic (~80 bytes per cell).

What the data looks like:
- filial codes "1".."N" with Russian clinic names; doctors spread unevenly over filials
  (the first filials are bigger);
- doctor codes zero-padded ("0001"), unique over the whole document; Russian full names with
  gender agreement (Иванов Сергей Петрович / Иванова Мария Петровна);
- specialties from a list of ~15; some doctors have two ("Кардиолог, Терапевт"); a few have
  messy `espec` as real MIS exports do (";" separators, extra spaces, a repeated specialty
  in another case) and about 1 % have none (key missing or "");
- working days Mon–Sat; every doctor has a weekly pattern of shifts (morning, evening, full
  day with a lunch break, long day, split shift) and a slot length of 15, 20 or 30 minutes;
- rooms: most doctors have a room number (sometimes a different one on some days), some send
  `"room": ""`, some send no `room` key at all;
- `free: false` for about --busy of the cells, more on the nearest days.

--change F flips `free` of about a fraction F of the cells (chosen with a separate random
stream), everything else staying byte-identical to the output for the same --seed: use it to
make "the next snapshot, 1 % changed".

--variant schedule wraps the document as {"schedule": …} (API v2 body); --variant array
writes a JSON array of one document per filial. --defects N breaks N doctors in the ways the
format forbids (bad time, missing field, overlap, …) to exercise the rejection paths.

--zones (e.g. 2=Asia/Yekaterinburg,3=Asia/Novosibirsk) is accepted for symmetry with the
parsers' options: zones are never written into the document (the format has no place for
them) and nothing is printed about them.

Stdlib only. A one-line summary (cells, bytes, seconds) goes to stderr.
"""

import argparse
import datetime as dt
import json
import random
import re
import sys
import time

CLINICS = [
    "Клиника на Ленина", "Медицинский центр «Здоровье»", "Клиника на Мира",
    "Поликлиника на Гагарина", "Медцентр на Садовой", "Клиника «Ангио» на Пушкина",
    "Диагностический центр на Советской", "Клиника на Комсомольском проспекте",
    "Медицинский центр на Чкалова", "Клиника семейной медицины на Луговой",
    "Консультативный центр на Кирова", "Клиника на Московском шоссе",
    "Медцентр «Доктор рядом» на Победы", "Клиника на Октябрьской", "Медицинский центр на Мичурина",
    "Клиника на Маяковского", "Поликлиника «Семья» на Заречной", "Клиника на Лесной",
    "Медицинский центр на Вокзальной", "Клиника на Набережной",
]

# Surnames: (male, female). Most take -а in the feminine, -ский → -ская; a few do not change.
SURNAMES = [
    ("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"), ("Васильев", "Васильева"), ("Петров", "Петрова"),
    ("Соколов", "Соколова"), ("Михайлов", "Михайлова"), ("Новиков", "Новикова"),
    ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"), ("Лебедев", "Лебедева"), ("Семёнов", "Семёнова"),
    ("Егоров", "Егорова"), ("Павлов", "Павлова"), ("Козлов", "Козлова"),
    ("Степанов", "Степанова"), ("Николаев", "Николаева"), ("Орлов", "Орлова"),
    ("Андреев", "Андреева"), ("Макаров", "Макарова"), ("Никитин", "Никитина"),
    ("Захаров", "Захарова"), ("Зайцев", "Зайцева"), ("Соловьёв", "Соловьёва"),
    ("Борисов", "Борисова"), ("Яковлев", "Яковлева"), ("Григорьев", "Григорьева"),
    ("Романов", "Романова"), ("Воробьёв", "Воробьёва"), ("Сергеев", "Сергеева"),
    ("Фролов", "Фролова"), ("Александров", "Александрова"), ("Дмитриев", "Дмитриева"),
    ("Королёв", "Королёва"), ("Гусев", "Гусева"), ("Киселёв", "Киселёва"),
    ("Ильин", "Ильина"), ("Максимов", "Максимова"), ("Поляков", "Полякова"),
    ("Сорокин", "Сорокина"), ("Виноградов", "Виноградова"), ("Ковалёв", "Ковалёва"),
    ("Белов", "Белова"), ("Медведев", "Медведева"), ("Антонов", "Антонова"),
    ("Тарасов", "Тарасова"), ("Жуков", "Жукова"), ("Баранов", "Баранова"),
    ("Филиппов", "Филиппова"), ("Комаров", "Комарова"), ("Давыдов", "Давыдова"),
    ("Беляев", "Беляева"), ("Герасимов", "Герасимова"), ("Богданов", "Богданова"),
    ("Осипов", "Осипова"), ("Сидоров", "Сидорова"), ("Матвеев", "Матвеева"),
    ("Титов", "Титова"), ("Марков", "Маркова"), ("Миронов", "Миронова"),
    ("Крылов", "Крылова"), ("Куликов", "Куликова"), ("Карпов", "Карпова"),
    ("Власов", "Власова"), ("Мельников", "Мельникова"), ("Денисов", "Денисова"),
    ("Гаврилов", "Гаврилова"), ("Тихонов", "Тихонова"), ("Казаков", "Казакова"),
    ("Афанасьев", "Афанасьева"), ("Данилов", "Данилова"), ("Савельев", "Савельева"),
    ("Тимофеев", "Тимофеева"), ("Фомин", "Фомина"), ("Чернов", "Чернова"),
    ("Абрамов", "Абрамова"), ("Мартынов", "Мартынова"), ("Ефимов", "Ефимова"),
    ("Федотов", "Федотова"), ("Щербаков", "Щербакова"), ("Назаров", "Назарова"),
    ("Калинин", "Калинина"), ("Исаев", "Исаева"), ("Чернышёв", "Чернышёва"),
    ("Быков", "Быкова"), ("Маслов", "Маслова"), ("Родионов", "Родионова"),
    ("Коновалов", "Коновалова"), ("Лазарев", "Лазарева"), ("Воронин", "Воронина"),
    ("Климов", "Климова"), ("Филатов", "Филатова"), ("Пономарёв", "Пономарёва"),
    ("Голубев", "Голубева"), ("Кудрявцев", "Кудрявцева"), ("Прохоров", "Прохорова"),
    ("Наумов", "Наумова"), ("Потапов", "Потапова"), ("Журавлёв", "Журавлёва"),
    ("Овчинников", "Овчинникова"), ("Трофимов", "Трофимова"), ("Леонов", "Леонова"),
    ("Соболев", "Соболева"), ("Ермаков", "Ермакова"), ("Колесников", "Колесникова"),
    ("Гончаров", "Гончарова"), ("Емельянов", "Емельянова"), ("Никифоров", "Никифорова"),
    ("Грачёв", "Грачёва"), ("Котов", "Котова"), ("Гришин", "Гришина"),
    ("Ефремов", "Ефремова"), ("Архипов", "Архипова"), ("Громов", "Громова"),
    ("Кириллов", "Кириллова"), ("Малышев", "Малышева"), ("Панов", "Панова"),
    ("Моисеев", "Моисеева"), ("Румянцев", "Румянцева"), ("Акимов", "Акимова"),
    ("Кондратьев", "Кондратьева"), ("Бирюков", "Бирюкова"), ("Горбунов", "Горбунова"),
    ("Анисимов", "Анисимова"), ("Ерёмин", "Ерёмина"), ("Тихомиров", "Тихомирова"),
    ("Галкин", "Галкина"), ("Лукьянов", "Лукьянова"), ("Михеев", "Михеева"),
    ("Скворцов", "Скворцова"), ("Юдин", "Юдина"), ("Белоусов", "Белоусова"),
    ("Нестеров", "Нестерова"), ("Симонов", "Симонова"), ("Прокофьев", "Прокофьева"),
    ("Харитонов", "Харитонова"), ("Князев", "Князева"), ("Цветков", "Цветкова"),
    ("Левин", "Левина"), ("Митрофанов", "Митрофанова"), ("Воронцов", "Воронцова"),
    ("Аксёнов", "Аксёнова"), ("Софронов", "Софронова"), ("Мальцев", "Мальцева"),
    ("Логинов", "Логинова"), ("Горшков", "Горшкова"), ("Савин", "Савина"),
    ("Краснов", "Краснова"), ("Майоров", "Майорова"), ("Демидов", "Демидова"),
    ("Елисеев", "Елисеева"), ("Рыбаков", "Рыбакова"), ("Сафонов", "Сафонова"),
    ("Плотников", "Плотникова"), ("Дёмин", "Дёмина"), ("Хохлов", "Хохлова"),
    ("Жданов", "Жданова"), ("Фадеев", "Фадеева"), ("Молчанов", "Молчанова"),
    ("Игнатов", "Игнатова"), ("Литвинов", "Литвинова"), ("Ершов", "Ершова"),
    ("Ушаков", "Ушакова"), ("Дементьев", "Дементьева"), ("Рябов", "Рябова"),
    ("Мухин", "Мухина"), ("Калашников", "Калашникова"), ("Леонтьев", "Леонтьева"),
    ("Лобанов", "Лобанова"), ("Кузин", "Кузина"), ("Корнилов", "Корнилова"),
    ("Евдокимов", "Евдокимова"), ("Бородин", "Бородина"), ("Платонов", "Платонова"),
    ("Некрасов", "Некрасова"), ("Балашов", "Балашова"), ("Бобров", "Боброва"),
    ("Блинов", "Блинова"), ("Игнатьев", "Игнатьева"),
    ("Коротков", "Короткова"), ("Муравьёв", "Муравьёва"), ("Крюков", "Крюкова"),
    ("Беляков", "Белякова"), ("Богомолов", "Богомолова"), ("Дроздов", "Дроздова"),
    ("Лаврентьев", "Лаврентьева"), ("Зуев", "Зуева"), ("Петухов", "Петухова"),
    ("Ларин", "Ларина"), ("Никулин", "Никулина"), ("Серов", "Серова"),
    ("Терентьев", "Терентьева"), ("Зотов", "Зотова"), ("Устинов", "Устинова"),
    ("Фокин", "Фокина"), ("Самойлов", "Самойлова"), ("Константинов", "Константинова"),
    ("Сахаров", "Сахарова"), ("Шишкин", "Шишкина"), ("Самсонов", "Самсонова"),
    ("Черкасов", "Черкасова"), ("Чистяков", "Чистякова"), ("Носов", "Носова"),
    ("Кудрин", "Кудрина"), ("Островский", "Островская"), ("Вишневский", "Вишневская"),
    ("Ковальский", "Ковальская"), ("Покровский", "Покровская"), ("Успенский", "Успенская"),
    ("Преображенский", "Преображенская"), ("Богословский", "Богословская"),
    ("Коваленко", "Коваленко"), ("Шевченко", "Шевченко"), ("Бондаренко", "Бондаренко"),
    ("Ткаченко", "Ткаченко"), ("Кравченко", "Кравченко"), ("Шевчук", "Шевчук"),
    ("Мельник", "Мельник"), ("Гуревич", "Гуревич"), ("Кац", "Кац"), ("Цой", "Цой"),
]

MALE_NAMES = [
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Валерий",
    "Василий", "Виктор", "Виталий", "Владимир", "Владислав", "Вячеслав", "Геннадий",
    "Георгий", "Глеб", "Григорий", "Денис", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь",
    "Илья", "Кирилл", "Константин", "Леонид", "Максим", "Марк", "Михаил", "Никита",
    "Николай", "Олег", "Павел", "Пётр", "Роман", "Руслан", "Сергей", "Станислав",
    "Степан", "Тимур", "Фёдор", "Юрий", "Ярослав",
]

FEMALE_NAMES = [
    "Александра", "Алёна", "Алина", "Алла", "Анастасия", "Анна", "Валентина", "Валерия",
    "Вера", "Виктория", "Галина", "Дарья", "Диана", "Евгения", "Екатерина", "Елена",
    "Елизавета", "Жанна", "Зоя", "Инна", "Ирина", "Карина", "Кристина", "Ксения", "Лариса",
    "Лидия", "Любовь", "Людмила", "Маргарита", "Марина", "Мария", "Надежда", "Наталья",
    "Нина", "Оксана", "Ольга", "Полина", "Светлана", "София", "Тамара", "Татьяна",
    "Ульяна", "Юлия", "Яна",
]

# Patronymics from the father's name: (male, female).
PATRONYMICS = [
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"),
    ("Анатольевич", "Анатольевна"), ("Андреевич", "Андреевна"), ("Борисович", "Борисовна"),
    ("Валентинович", "Валентиновна"), ("Валерьевич", "Валерьевна"),
    ("Васильевич", "Васильевна"), ("Викторович", "Викторовна"),
    ("Витальевич", "Витальевна"), ("Владимирович", "Владимировна"),
    ("Вячеславович", "Вячеславовна"), ("Геннадьевич", "Геннадьевна"),
    ("Георгиевич", "Георгиевна"), ("Григорьевич", "Григорьевна"),
    ("Дмитриевич", "Дмитриевна"), ("Евгеньевич", "Евгеньевна"), ("Иванович", "Ивановна"),
    ("Игоревич", "Игоревна"), ("Ильич", "Ильинична"), ("Константинович", "Константиновна"),
    ("Леонидович", "Леонидовна"), ("Михайлович", "Михайловна"), ("Никитич", "Никитична"),
    ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"), ("Павлович", "Павловна"),
    ("Петрович", "Петровна"), ("Романович", "Романовна"), ("Сергеевич", "Сергеевна"),
    ("Степанович", "Степановна"), ("Фёдорович", "Фёдоровна"), ("Юрьевич", "Юрьевна"),
    ("Яковлевич", "Яковлевна"), ("Кузьмич", "Кузьминична"),
]

SPECIALTIES = [
    "Терапевт", "Кардиолог", "Невролог", "Эндокринолог", "Гастроэнтеролог",
    "Оториноларинголог", "Офтальмолог", "Уролог", "Акушер-гинеколог", "Дерматовенеролог",
    "Травматолог-ортопед", "Хирург", "Сосудистый хирург", "Флеболог", "Педиатр",
    "Аллерголог-иммунолог", "Ревматолог", "Врач УЗИ",
]
# Common pairs for doctors with two specialties.
PAIRS = [
    ("Кардиолог", "Терапевт"), ("Сосудистый хирург", "Флеболог"), ("Хирург", "Флеболог"),
    ("Эндокринолог", "Терапевт"), ("Гастроэнтеролог", "Терапевт"),
    ("Аллерголог-иммунолог", "Педиатр"), ("Невролог", "Врач УЗИ"), ("Кардиолог", "Врач УЗИ"),
    ("Ревматолог", "Терапевт"), ("Уролог", "Хирург"),
]

# Shifts: lists of (start minute, end minute) working intervals within a day.
H = 60
SHIFTS = {
    "morning": [(8 * H, 14 * H)],                          # 08:00–14:00
    "evening": [(14 * H, 20 * H)],                         # 14:00–20:00
    "day": [(9 * H, 13 * H), (14 * H, 18 * H)],            # 09:00–18:00, lunch 13–14
    "long": [(8 * H, 13 * H), (13 * H + 30, 20 * H)],      # 08:00–20:00, lunch 13:00–13:30
    "split": [(8 * H, 13 * H), (15 * H, 21 * H)],          # 08:00–13:00 and 15:00–21:00
    "full": [(8 * H, 21 * H)],                             # 08:00–21:00 without a break
}
# Weekly patterns (Mon..Sat; Sunday is always off). Chosen so that, with the slot lengths
# below, 1000 doctors over 30 days make about a million cells.
PATTERNS = [
    (["long", "long", "long", "long", "long", "day"], 4),
    (["full", "full", "full", "full", "full", "morning"], 4),
    (["split", "split", "split", "split", "split", "morning"], 2),
    (["morning", "evening", "morning", "evening", "morning", "morning"], 1),
    (["day", "day", "day", "day", "day", "day"], 1),
    (["full", "long", "full", "long", "full", "long"], 3),
]
SLOT_LENGTHS = [(15, 7), (20, 2), (30, 1)]


def weighted(rng, items):
    total = sum(w for _, w in items)
    x = rng.random() * total
    for item, w in items:
        x -= w
        if x < 0:
            return item
    return items[-1][0]


def hhmm(m):
    return "%02d:%02d" % (m // 60, m % 60)


def jstr(s):
    return json.dumps(s, ensure_ascii=False)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--filials", type=int, default=3)
    p.add_argument("--doctors", type=int, default=15, help="doctors in total")
    p.add_argument("--days", type=int, default=14)
    p.add_argument("--start", type=lambda s: dt.date.fromisoformat(s), default=None,
                   help="first day YYYY-MM-DD (default: today)")
    p.add_argument("--seed", type=int, default=None, help="random seed (deterministic output)")
    p.add_argument("--busy", type=float, default=0.3, help="fraction of cells with free=false")
    p.add_argument("--zones", default="",
                   help="filial=IANA zone,… (accepted for symmetry; not written)")
    p.add_argument("--change", type=float, default=0.0,
                   help="flip free of about this fraction of cells vs the same seed")
    p.add_argument("--variant", choices=["plain", "schedule", "array"], default="plain")
    p.add_argument("--defects", type=int, default=0, help="break this many doctors")
    p.add_argument("--messy", action="store_true",
                   help="also use the accepted odd forms: H:MM and HH:MM:SS times, numeric and "
                        "null rooms, unknown extra fields")
    p.add_argument("-o", "--output", default="-")
    a = p.parse_args(argv)
    if a.filials < 1 or a.doctors < 0 or a.days < 1:
        p.error("--filials and --days must be ≥ 1, --doctors ≥ 0")
    if not 0 <= a.busy <= 1 or not 0 <= a.change <= 1:
        p.error("--busy and --change are fractions from 0 to 1")
    for pair in filter(None, (x.strip() for x in a.zones.split(","))):
        if "=" not in pair or not pair.split("=", 1)[1]:
            p.error("--zones takes filial=Zone/Name pairs, e.g. 2=Asia/Yekaterinburg")
    if a.start is None:
        a.start = dt.date.today()
    if a.seed is None:
        a.seed = random.randrange(1 << 30)
    return a


def filial_name(i):
    if i < len(CLINICS):
        return CLINICS[i]
    return "%s, филиал %d" % (CLINICS[i % len(CLINICS)], i + 1)


def make_doctors(rng, a):
    """Doctor descriptions, in order; each with its filial index."""
    width = max(4, len(str(a.doctors)))
    # Uneven filial sizes: weight 1/(1+i/3), every filial at least one doctor if possible.
    weights = [1.0 / (1 + i / 3.0) for i in range(a.filials)]
    filial_of = [i for i in range(min(a.filials, a.doctors))]
    while len(filial_of) < a.doctors:
        filial_of.append(weighted(rng, list(zip(range(a.filials), weights))))
    filial_of.sort()
    used_names = set()
    doctors = []
    for n in range(a.doctors):
        female = rng.random() < 0.62
        for _ in range(20):
            sur = rng.choice(SURNAMES)[1 if female else 0]
            first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            pat = rng.choice(PATRONYMICS)[1 if female else 0]
            name = "%s %s %s" % (sur, first, pat)
            if name not in used_names:
                break
        used_names.add(name)
        r = rng.random()
        if r < 0.22:
            pair = list(rng.choice(PAIRS))
            if rng.random() < 0.5:
                pair.reverse()
            espec = ", ".join(pair)
        else:
            espec = rng.choice(SPECIALTIES)
        # Messy exports: a few separators, spaces, repeats; about 1 % without a specialty.
        r = rng.random()
        if r < 0.01:
            espec = None            # no "espec" key
        elif r < 0.02:
            espec = ""
        elif r < 0.03:
            espec = espec.replace(", ", ";") + " "
        elif r < 0.04:
            espec = " %s ,  %s," % (espec, espec.split(",")[0].lower())
        pattern = weighted(rng, PATTERNS)
        slot = weighted(rng, SLOT_LENGTHS)
        r = rng.random()
        room_mode = "number" if r < 0.65 else ("empty" if r < 0.85 else "absent")
        base_room = str(rng.choice([rng.randint(1, 40), rng.randint(101, 125),
                                    rng.randint(201, 230), rng.randint(301, 318)]))
        alt_room = str(int(base_room) + rng.choice([1, 2, -1])) if base_room != "1" else "2"
        doctors.append({
            "filial": filial_of[n],
            "code": str(n + 1).zfill(width),
            "name": name,
            "espec": espec,
            "pattern": pattern,
            "slot": slot,
            "room_mode": room_mode,
            "rooms": (base_room, alt_room),
            "off_week": rng.randrange(0, 5),   # one shortened week day every now and then
        })
    return doctors


def doctor_cells(rng, flip, d, a, days, counter):
    """The cells of one doctor as compact JSON strings."""
    out = []
    busy = a.busy
    ndays = len(days)
    change = a.change
    slot = d["slot"]
    room_mode = d["room_mode"]
    for di, (day, wd) in enumerate(days):
        if wd == 6:
            continue
        shift = SHIFTS[d["pattern"][wd]]
        # Busier near today, freer later; averages to about --busy.
        p_busy = busy * (1.6 - 1.2 * di / max(1, ndays - 1))
        if p_busy > 0.97:
            p_busy = 0.97
        if room_mode == "number":
            room = d["rooms"][1] if rng.random() < 0.15 else d["rooms"][0]
            tail = ',"room":"%s"}' % room
        elif room_mode == "empty":
            tail = ',"room":""}'
        else:
            tail = "}"
        # Now and then a doctor leaves early (meeting, half day).
        cut = None
        if rng.random() < 0.02:
            cut = shift[0][0] + 3 * 60
        pre = '{"dt":"%s","time_start":"' % day
        for s, e in shift:
            if cut is not None:
                e = min(e, cut)
            t = s
            while t + slot <= e:
                free = rng.random() >= p_busy
                if change and flip.random() < change:
                    free = not free
                out.append('%s%s","time_end":"%s","free":%s%s' % (
                    pre, hhmm(t), hhmm(t + slot), "true" if free else "false", tail))
                t += slot
    counter[0] += len(out)
    return out


DEFECTS = [
    ("bad_time", lambda c: c.replace('"time_start":"', '"time_start":"2', 1)),   # e.g. 209:00
    ("bad_minute", lambda c: c.replace('"time_end":"', '"time_end":"9:6', 1)),   # 9:609:30
    ("no_free", lambda c: c.replace(',"free":true', "").replace(',"free":false', "")),
    ("bad_date", lambda c: c.replace('-', '/', 1)),
    ("free_string", lambda c: c.replace('"free":true', '"free":"true"')
        .replace('"free":false', '"free":"false"')),
]


def apply_defect(rng, cells, kind):
    """Breaks one doctor's cells; returns the new list."""
    if not cells:
        return ['{"dt":"2026-02-30","time_start":"09:00","time_end":"09:30","free":true}']
    if kind == "overlap":
        i = rng.randrange(len(cells))
        return cells[:i + 1] + [cells[i]] + cells[i + 1:]
    if kind == "reversed":
        i = rng.randrange(len(cells))
        c = json.loads(cells[i])
        c["time_start"], c["time_end"] = c["time_end"], c["time_start"]
        cells[i] = json.dumps(c, ensure_ascii=False, separators=(",", ":"))
        return cells
    fn = dict(DEFECTS)[kind]
    for i in sorted(rng.sample(range(len(cells)), min(len(cells), rng.choice([1, 1, 3])))):
        cells[i] = fn(cells[i])
    return cells


MESSY = [
    ("short_time", lambda c: re.sub(r'"(time_start|time_end)":"0(\d)', r'"\1":"\2', c)),
    ("seconds", lambda c: re.sub(r'"(time_start|time_end)":"(\d\d:\d\d)"', r'"\1":"\2:00"', c)),
    ("int_room", lambda c: re.sub(r'"room":"(\d+)"', r'"room":\1', c)),
    ("null_room", lambda c: re.sub(r'"room":"[^"]*"', '"room":null', c)),
    ("extra", lambda c: c.replace('{"dt"', '{"id":%d,"dt"' % (len(c) * 7919 % 100000), 1)
        .replace('}', ',"comment":"первичный приём","online":false}')),
]


def main(argv):
    a = parse_args(argv)
    t0 = time.time()
    rng = random.Random(a.seed)
    flip = random.Random(a.seed * 7919 + 17)        # separate stream: --change keeps the rest
    defect_rng = random.Random(a.seed * 104729 + 3)
    days = []
    for i in range(a.days):
        day = a.start + dt.timedelta(days=i)
        days.append((day.isoformat(), day.weekday()))
    doctors = make_doctors(rng, a)
    kinds = [k for k, _ in DEFECTS] + ["overlap", "reversed"]
    broken = {}
    if a.defects:
        for n, i in enumerate(defect_rng.sample(range(len(doctors)),
                                                min(a.defects, len(doctors)))):
            broken[i] = kinds[n % len(kinds)]

    counter = [0]
    by_filial = [[] for _ in range(a.filials)]
    for i, d in enumerate(doctors):
        cells = doctor_cells(rng, flip, d, a, days, counter)
        extra = ""
        if a.messy and defect_rng.random() < 0.3:
            kind, fn = MESSY[defect_rng.randrange(len(MESSY))]
            cells = [fn(c) for c in cells]
            if kind == "extra":
                extra = '"id":%d,"photo":null,"price":{"first":1500,"repeat":1200},' % (i + 1)
        if i in broken:
            cells = apply_defect(defect_rng, cells, broken[i])
        head = '{%s"efio":%s,' % (extra, jstr(d["name"]))
        if d["espec"] is not None:
            head += '"espec":%s,' % jstr(d["espec"])
        by_filial[d["filial"]].append(
            '%s:%s"cells":[%s]}' % (jstr(d["code"]), head, ",".join(cells)))

    def document(filials):
        names = ",".join('"%d":%s' % (f + 1, jstr(filial_name(f))) for f in filials)
        data = ",".join('"%d":{%s}' % (f + 1, ",".join(by_filial[f])) for f in filials)
        if a.messy:
            names += ',"version":2,"exported":{"by":"МИС"}'
        return '{%s,"data":{%s}}' % (names, data)

    if a.variant == "array":
        docs = [document([f]) for f in range(a.filials)]
        if a.defects and by_filial[0]:
            # The first doctor of filial 1 again, in a document of its own without name pairs:
            # a doctor listed twice in one filial across an array of documents.
            docs.append('{"data":{"1":{%s}}}' % by_filial[0][0])
        text = "[%s]" % ",".join(docs)
    else:
        text = document(range(a.filials))
        if a.variant == "schedule":
            text = '{"schedule":%s}' % text
    data = text.encode("utf-8")
    if a.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        with open(a.output, "wb") as f:
            f.write(data)
    print("gen_schedule: %d cells, %d bytes, %d filials, %d doctors, %d days, seed %d, %.1f s"
          % (counter[0], len(data), a.filials, len(doctors), a.days, a.seed, time.time() - t0),
          file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
