-- a seed whose failure shows only at its final commit (nothing flushed before)
db.session:add(Author{ name = "Ann again", email = "ann@x.org" })
