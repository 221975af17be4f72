"""Writes a deterministic CSV of N synthetic person records (generic names, no real persons)."""
import random
import sys

n = int(sys.argv[1])
rng = random.Random(2008)
given = ["Ana", "Ioana", "Thi", "Grace", "Olena", "Mei", "Fatima", "Luis", "Ivan", "Ngozi"]
family = ["Popescu", "Nguyen", "Okafor", "Kovalenko", "Wang", "Haddad", "Garcia", "Petrov", "Adeyemi"]
sexes = ["F", "M", "W", ""]
countries = ["ROU", "VNM", "NGA", "UKR", "CHN", "MAR", "BRA", "XDL"]
forms = ["SEX", "LAB", "SEX|LAB", "BEG", ""]
out = sys.stdout
out.write("Case;Identified;Gender;Age;Nationality;Forms;First name;Last name;Born\n")
for i in range(n):
    out.write(
        f"C{i};{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2024)};"
        f"{rng.choice(sexes)};{rng.randint(5, 70)};{rng.choice(countries)};{rng.choice(forms)};"
        f"{rng.choice(given)};{rng.choice(family)};{rng.randint(1950, 2010)}\n"
    )
