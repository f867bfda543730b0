"""sqlalchemy_bench.py — the benchmark workloads through the SQLAlchemy ORM
(1.4 or 2.0), the peer ormsh is measured against. One phase a process:

    python3 tests/bench/sqlalchemy_bench.py DB w0|w1|w2|w3|w4lazy|w4sel|w5 [N]

  w0  start-up: import SQLAlchemy, declare the model, connect, SELECT 1
      (run.sh times this whole process; nothing is printed)
  w1  create_all and make the N name and email strings (untimed; reported
      as gen), then build N Author(name=, email=) objects,
      session.add_all(list), session.commit()
  w2  session.query(Author).all(), then read a.name of each
  w3  N session.get(Author, id) in a fresh session, ids in 1..N from the
      xorshift64 sequence raw_sqlite.c and ormsh_bench.lua use
  w4lazy  on the database raw_sqlite.c's w45setup filled (authors with 10
      books each): session.query(Author).all(), then touch each author's books
      (len(a.books) and b.name of each), one lazy load per author
  w4sel   the same with .options(selectinload(Author.books))
  w5  N session.query(Author).filter_by(email=e).first() in a fresh session, e
      the emails of authors 1..N in the fixed-seed shuffled order raw_sqlite.c
      and ormsh_bench.lua use (each author once)

The W4/W5 models (Author with books, Book) are declared only for those phases,
so w0 still declares the one Author model.

Output, one "key value" pair a line, as raw_sqlite.c prints: wall
(time.perf_counter), cpu (time.process_time), rows, check, and for w2
rss_kib (peak resident set, ru_maxrss, with the loaded objects alive).
"""
import resource
import sys
import time

from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, text
from sqlalchemy.orm import Session, declarative_base, relationship, selectinload

Base = declarative_base()


class Author(Base):
    __tablename__ = "author"
    id = Column(Integer, primary_key=True)
    name = Column(String(30))
    email = Column(String(30), unique=True, nullable=False)


def relationship_models():
    """Author{name, email} one-to-many Book{name, author_id}, back_populates
    both ways: the models run.sh gives ormsh for W4/W5."""
    base = declarative_base()

    class RAuthor(base):
        __tablename__ = "author"
        id = Column(Integer, primary_key=True)
        name = Column(String(30))
        email = Column(String(30), unique=True, nullable=False)
        books = relationship("RBook", back_populates="author")

    class RBook(base):
        __tablename__ = "book"
        id = Column(Integer, primary_key=True)
        name = Column(String(50), nullable=False)
        author_id = Column(Integer, ForeignKey("author.id"), index=True)
        author = relationship("RAuthor", back_populates="books")

    return RAuthor, RBook


def shuffled_ids(n):
    """authors 1..n in the Fisher-Yates order raw_sqlite.c and ormsh_bench.lua use"""
    mask = (1 << 64) - 1
    x = 88172645463325252
    p = list(range(1, n + 1))
    for i in range(n, 1, -1):
        x ^= (x << 13) & mask
        x ^= x >> 7
        x ^= (x << 17) & mask
        j = (x >> 11) % i + 1
        p[i - 1], p[j - 1] = p[j - 1], p[i - 1]
    return p


def report(w0, c0, rows, check, end=None):
    w1, c1 = end or (time.perf_counter(), time.process_time())
    print("wall %.6f" % (w1 - w0))
    print("cpu %.6f" % (c1 - c0))
    print("rows %d" % rows)
    print("check %d" % check)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: sqlalchemy_bench.py DB w0|w1|w2|w3 [N]")
    path, phase = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    engine = create_engine("sqlite:///" + path)

    if phase == "w0":
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar()
        return

    if phase == "w1":
        Base.metadata.create_all(engine)
        session = Session(engine)
        g0 = time.perf_counter()
        names = ["author%d" % i for i in range(1, n + 1)]
        emails = ["author%d@example.com" % i for i in range(1, n + 1)]
        gen = time.perf_counter() - g0
        w0, c0 = time.perf_counter(), time.process_time()
        objs = [Author(name=names[i], email=emails[i]) for i in range(n)]
        session.add_all(objs)
        session.commit()
        end = (time.perf_counter(), time.process_time())
        check = session.execute(text("SELECT sum(id) FROM author")).scalar()
        report(w0, c0, n, check, end)
        print("gen %.6f" % gen)
        session.close()

    elif phase == "w2":
        session = Session(engine)
        w0, c0 = time.perf_counter(), time.process_time()
        allrows = session.query(Author).all()
        check = 0
        for a in allrows:
            check += len(a.name)
        report(w0, c0, len(allrows), check)
        print("rss_kib %d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        session.close()

    elif phase == "w3":
        mask = (1 << 64) - 1
        x = 88172645463325252
        ids = []
        for _ in range(n):
            x ^= (x << 13) & mask
            x ^= x >> 7
            x ^= (x << 17) & mask
            ids.append((x >> 11) % n + 1)
        session = Session(engine)
        w0, c0 = time.perf_counter(), time.process_time()
        found = check = 0
        for i in ids:
            a = session.get(Author, i)
            if a is not None:
                found += 1
                check += a.id
        report(w0, c0, found, check)
        session.close()

    elif phase in ("w4lazy", "w4sel"):
        RAuthor, _ = relationship_models()
        session = Session(engine)
        w0, c0 = time.perf_counter(), time.process_time()
        q = session.query(RAuthor)
        if phase == "w4sel":
            q = q.options(selectinload(RAuthor.books))
        allrows = q.all()
        books = check = 0
        for a in allrows:
            bs = a.books
            check += a.id * len(bs)
            for b in bs:
                books += 1
                check += b.id + len(b.name)
        report(w0, c0, books, check)
        print("authors %d" % len(allrows))
        session.close()

    elif phase == "w5":
        RAuthor, _ = relationship_models()
        emails = ["author%d@example.com" % i for i in shuffled_ids(n)]
        session = Session(engine)
        w0, c0 = time.perf_counter(), time.process_time()
        found = check = 0
        for e in emails:
            a = session.query(RAuthor).filter_by(email=e).first()
            if a is not None:
                found += 1
                check += a.id + len(a.name)
        report(w0, c0, found, check)
        session.close()

    else:
        sys.exit("sqlalchemy_bench.py: unknown phase %r" % phase)


if __name__ == "__main__":
    main()
