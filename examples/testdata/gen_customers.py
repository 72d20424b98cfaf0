#!/usr/bin/env python3
"""Writes customers.csv: made-up people for examples/hashcsv.

Names are invented, e-mail domains are reserved (example.com/.org/.net),
US numbers use the fictional 555-01XX range and UK numbers Ofcom's drama
ranges (020 7946 0XXX, 07700 900XXX). Every 9th row carries bad values so
that the rejects file has something to show. Deterministic: run it again and
get the same file.

Run from this directory:  python3 gen_customers.py
"""
import csv
import random

rng = random.Random(42)
first = ["Ann", "Ben", "Chloé", "Dana", "Émile", "Farah", "Gus", "Hana", "Ivo", "Jo",
         "Kai", "Lena", "Mary-Jane", "Noor", "Otto", "Pía", "Quinn", "Rosa", "Søren", "Tess",
         "Uma", "Vic", "Wren", "Xavi", "Yara", "Zoë", "José", "İlker", "Σοφία", "정민"]
last = ["Abbott", "Brook", "Castle", "Dune", "Elm", "Fable", "Grove", "Hollow", "Isle", "Juniper",
        "Kestrel", "Lark", "Moss", "North", "O'Neil", "Pike", "Quarry", "Reed", "Stone", "Thorne",
        "Müller", "van der Berg", "García", "Øst"]
us_places = [("Springfield", "Illinois", "62701"), ("Riverton", "WY", "82501"), ("Fairview", "Texas", "75069"),
             ("Greenville", "SC", "29601"), ("Madison", "Wisconsin", "53703-1234"), ("Salem", "OR", "97301"),
             ("Boston", "Massachusetts", "2108"), ("Portland", "Maine", "04101")]
gb_places = [("London", "Greater London", "SW1A 1AA"), ("Manchester", "Greater Manchester", "M1 1AE"),
             ("Leeds", "West Yorkshire", "LS1 4AP"), ("Bristol", "", "BS1 5TR")]
domains = ["example.com", "example.org", "example.net", "Example.COM"]

rows = []
for i in range(1, 121):
    fn = first[i % len(first)]
    ln = last[(i * 7) % len(last)]
    def ascii_part(s):
        return "".join(c for c in s.lower() if c.isascii() and c.isalnum())
    local = (ascii_part(fn) or "user") + "." + ascii_part(ln)
    email = "%s%d@%s" % (local, i, domains[i % len(domains)])
    dob_y, dob_m, dob_d = 1950 + rng.randrange(55), 1 + rng.randrange(12), 1 + rng.randrange(28)
    gender = ["F", "M", "female", "male", "f", "m", ""][i % 7]
    if i % 3 == 0:
        city, state, zipc = gb_places[i % len(gb_places)]
        country = ["GB", "United Kingdom", "UK", "gbr"][i % 4]
        phone = ["020 7946 0%03d" % (i % 1000), "07700 900%03d" % (i % 1000),
                 "+44 (0)20 7946 0%03d" % (i % 1000), "+44 7700 900%03d" % (i % 1000)][i % 4]
        dob = "%04d-%02d-%02d" % (dob_y, dob_m, dob_d)
    else:
        city, state, zipc = us_places[i % len(us_places)]
        country = ["US", "USA", "United States", "us", ""][i % 5]
        phone = ["(%03d) 555-01%02d" % (200 + i, i % 100), "%03d-555-01%02d" % (200 + i, i % 100),
                 "+1 %03d 555 01%02d" % (200 + i, i % 100), "1-%03d-555-01%02d x%d" % (200 + i, i % 100, i)][i % 4]
        dob = "%d/%d/%04d" % (dob_m, dob_d, dob_y)
    row = {"customer_id": "CUST-%05d" % i, "e_mail": email, "mobile": phone, "first_name": fn,
           "last_name": ln, "city": city, "state": state, "zip": zipc, "country": country,
           "dob": dob, "gender": gender}
    # messy but valid
    if i % 10 == 1:
        row["e_mail"] = "  " + email.upper() + "\u00a0"
    if i % 13 == 5:
        row["first_name"] = "\ufeff" + fn + "\t"
    if i % 17 == 0:
        row["mobile"] = ""
    # bad values
    if i % 9 == 4:
        bad = (i // 9) % 6
        if bad == 0:
            row["e_mail"] = "no-at-sign.example.com"
        elif bad == 1:
            row["mobile"] = "n/a"
        elif bad == 2:
            row["dob"] = "1990-02-30"
        elif bad == 3:
            row["gender"] = "unknown"
        elif bad == 4:
            row["country"] = "Atlantis"
            row["state"] = "Nowhere"
        else:
            row["e_mail"] = "two@@example.com"
            row["zip"] = "ABCDE" if country in ("US", "USA", "United States", "us") else row["zip"]
    if i == 60:
        for k in row:
            if k != "customer_id":
                row[k] = ""
    rows.append(row)

with open("customers.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
print("wrote", len(rows), "rows")
