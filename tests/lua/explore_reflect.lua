-- explore_reflect.lua — db.reflect() on a database nobody modelled, on every
-- backend: class names (CamelCase, '_' on a clash, '_' before a digit),
-- many-to-one names (without _id / Id, _ref on a clash with a column),
-- one-to-many names (pluralised; _by_ for self-references and repeated
-- parents), many-to-many through an association table whose class still
-- exists, odd table names; and what the relationships hold.
local orm = require "orm"
local url = os.getenv("ORMSH_TEST_URL")
if url == nil or url == "" or url:match("^sqlite") then url = db.url end -- SQLite: the file of --database
local src = orm.connect(url)
local I, S = src.Integer, src.String
local function pk() return src.Column(I, { primary_key = true }) end
src.Model("A1", { __tablename = "Artist", ArtistId = pk(), Name = src.Column(S(50)) })
src.Model("A2", { __tablename = "Album", AlbumId = pk(), Title = src.Column(S(50), { nullable = false }),
  ArtistId = src.Column(I, src.ForeignKey("Artist.ArtistId")) })
src.Model("C", { __tablename = "category", id = pk(), name = src.Column(S(20)),
  parent_id = src.Column(I, src.ForeignKey("category.id")) })
src.Model("E", { __tablename = "employee", id = pk(), name = src.Column(S(20)),
  reports_to = src.Column(I, src.ForeignKey("employee.id")) })
src.Model("P", { __tablename = "person", id = pk(), name = src.Column(S(20), { unique = true }) })
src.Model("M", { __tablename = "message", id = pk(), body = src.Column(S(20)),
  sender_id = src.Column(I, src.ForeignKey("person.id")), recipient_id = src.Column(I, src.ForeignKey("person.id")) })
src.Model("PL", { __tablename = "playlist", id = pk(), name = src.Column(S(20)) })
src.Model("T", { __tablename = "track", id = pk(), name = src.Column(S(20)) })
src.Table("playlist_track", src.Column("playlist_id", I, src.ForeignKey("playlist.id"), { primary_key = true }),
  src.Column("track_id", I, src.ForeignKey("track.id"), { primary_key = true }))
src.Model("O", { __tablename = "order", id = pk(), total = src.Column(src.Numeric(10, 2)) })
src.Model("MT", { __tablename = "my table", id = pk(), ["my col"] = src.Column(S(20)),
  order_id = src.Column(I, src.ForeignKey("order.id")) })
src.Model("S2", { __tablename = "2020_sales", id = pk(), amount = src.Column(I) })
src.Model("OI", { __tablename = "order_items", id = pk(), ["end"] = src.Column(I, src.ForeignKey("order.id")) })
src.Model("OI2", { __tablename = "OrderItems", id = pk() })
src.Model("W", { __tablename = "widget", id = pk() })
src.create_all()
local function run(sql) src.session:execute(src.text(sql)) end
run("CREATE TABLE audit_log (at VARCHAR(20), msg VARCHAR(50))")
run("INSERT INTO audit_log (at, msg) VALUES ('t1', 'x'), ('t2', NULL)")
run("CREATE VIEW person_names AS SELECT name FROM person")
run("CREATE VIEW person_count AS SELECT count(*) AS n FROM person")
run("CREATE VIEW widget_ids AS SELECT id FROM widget")
run("INSERT INTO " .. '"Artist"' .. " VALUES (1, 'AC/DC')")
src.session:commit()
src.session:close()

Widget = "a global" -- the class of table widget becomes Widget_
local names, notes = db.reflect()
print(table.concat(names, " "))
for _, n in ipairs(notes) do print("note: " .. n) end

local function rels(cls)
  local out = {}
  for k, v in pairs(cls.__relationships) do
    out[#out + 1] = k .. "->" .. v.target .. (v.secondary and (" via " .. v.secondary) or "")
  end
  table.sort(out)
  return cls.__name .. ": " .. table.concat(out, ", ")
end
for _, n in ipairs(names) do print(rels(_G[n])) end

-- a table without a primary key: a read-only model
print(AuditLog.query:count(), AuditLog.query:filter(AuditLog.msg:is_(db.null)):one().at, Widget, Widget_)
for _, f in ipairs{
  function() AuditLog.query:first().msg = "y" end,
  function() db.session:delete(AuditLog.query:first()) end,
  function() AuditLog.query:delete() end,
} do print(select(2, pcall(f))) end

-- the relationships work both ways
local ac = Artist.query:get(1)
local al = Album{ AlbumId = 1, Title = "Back in Black", artist = ac }
local top = Category{ id = 1, name = "top" }
local sub = Category{ id = 2, name = "sub", parent = top }
local boss = Employee{ id = 1, name = "boss" }
local w = Employee{ id = 2, name = "w", reports_to_ref = boss }
local p1, p2 = Person{ id = 1, name = "p1" }, Person{ id = 2, name = "p2" }
local m = Message{ id = 1, body = "hi", sender = p1, recipient = p2 }
local pl, t = Playlist{ id = 1, name = "mix" }, Track{ id = 1, name = "song" }
pl.tracks:append(t)
local o = Order{ id = 1, total = "9.50" }
local mt = MyTable{ id = 1, ["my col"] = "v", order = o }
local oi = OrderItems_{ id = 1, end_ref = o }
db.session:add_all{ al, top, sub, boss, w, m, pl, mt, oi, _2020Sales{ id = 1, amount = 3 } }
db.session:commit()
db.session:close()
print(#Artist.query:get(1).albums, Album.query:get(1).artist.Name)
print(Category.query:get(2).parent.name, #Category.query:get(1).categories_by_parent)
print(Employee.query:get(2).reports_to, Employee.query:get(1).employees_by_reports_to_ref[1].name)
print(#Person.query:get(1).messages_by_sender, #Person.query:get(1).messages_by_recipient,
      Message.query:get(1).recipient.name)
print(Track.query:get(1).playlists[1].name, #Playlist.query:get(1).playlist_tracks)
print(Order.query:get(1).my_tables[1]["my col"], OrderItems_.query:get(1)["end"],
      #Order.query:get(1).order_itemses, _2020Sales.query:count())

-- __table_args: what db models writes for indexes and keys of several columns
local function bad(args)
  return function()
    src.Model("Bad", { __tablename = "bad", id = src.Column(src.Integer, { primary_key = true }), __table_args = args() })
  end
end
for _, f in ipairs{
  bad(function() return { src.Index("ix_x", "nope") } end),
  bad(function() return { "not an index" } end),
  bad(function() return { src.UniqueConstraint("id", { nmae = "x" }) } end),
  function() src.Index("ix_empty") end,
} do print(select(2, pcall(f))) end
