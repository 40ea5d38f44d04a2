// Names that PostgreSQL reads only when quoted: reserved words (window, user, select, between, from) and
// names with a quote in them (only in the engine's objects: Atlas v1.1.0 does not escape a quote in a table's
// or column's name). Applied by TestApplyQuotedNames.

schema "public" {}

schema "shop" {}

table "window" {
  schema = schema.shop
  column "user" {
    type = text
  }
  column "amount" {
    type = integer
  }
}

view "select" {
  schema     = schema.public
  as         = <<-SQL
    SELECT w."user", w.amount, w.amount AS "it's ""x""" FROM shop."window" w
  SQL
  depends_on = [table.window]
}

function "between" {
  schema = schema.public
  lang   = SQL
  arg "from" {
    type = integer
  }
  arg "it's \"n\"" {
    type    = integer
    default = 1
  }
  return = integer
  as     = "SELECT \"from\" + \"it's \"\"n\"\"\""
}

function "touch" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  as     = <<-SQL
    BEGIN
      RETURN NEW;
    END;
  SQL
}

trigger "it's \"quoted\"" {
  on = table.window
  before {
    update = true
  }
  for = ROW
  execute {
    function = function.touch
  }
}

role "user" {
  login = false
}

permission {
  to         = role.user
  for        = view.select
  privileges = [SELECT]
}
