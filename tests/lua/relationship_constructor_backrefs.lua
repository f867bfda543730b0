-- relationship_constructor_backrefs.lua — an association object built with
-- both its parents in the constructor, the parents already in the session
-- (Pagila's FilmActor{ actor = a, film = f }): setting the first parent
-- loads its collection (the other side), and that load no longer
-- autoflushes the half-built object, which was written with the second
-- key still NULL (IntegrityError on film_id). Both collections show it.
Actor = db.Model("Actor", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  film_actors = db.relationship("FilmActor", { back_populates = "actor" }),
})
Film = db.Model("Film", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  film_actors = db.relationship("FilmActor", { back_populates = "film" }),
})
FilmActor = db.Model("FilmActor", {
  __tablename = "film_actor",
  actor_id = db.Column(db.Integer, db.ForeignKey("actor.id"), { primary_key = true }),
  film_id = db.Column(db.Integer, db.ForeignKey("film.id"), { primary_key = true }),
  actor = db.relationship("Actor", { back_populates = "film_actors" }),
  film = db.relationship("Film", { back_populates = "film_actors" }),
})
db.create_all()
db.session:add_all{ Actor{ name = "PENELOPE" }, Film{ title = "ACADEMY" }, Film{ title = "ZORRO" } }
db.session:commit()
local a = Actor.query:first()
local f = Film.query:filter(Film.title:eq("ACADEMY")):one()
local fa = FilmActor{ actor = a, film = f }
print(fa.actor_id, fa.film_id, #a.film_actors, #f.film_actors)
db.session:commit()
print(FilmActor.query:count())
local f2 = Film.query:filter(Film.title:eq("ZORRO")):one()
local fb = FilmActor{ film = f2, actor = a }
db.session:commit()
print(#a.film_actors, #f2.film_actors, fb.actor_id, fb.film_id, FilmActor.query:count())
-- the autoflush is on again after a constructor, also after one that raised
print(select(2, pcall(FilmActor, { film = 7 })))
db.session:add(Actor{ name = "NICK" })
print(Actor.query:count())
