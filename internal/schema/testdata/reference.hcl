// The PostgreSQL forms of Atlas's HCL reference (atlasgo.io/atlas-schema/hcl: function, procedure,
// trigger, computed triggers), adapted to two tables. Applied by TestApplyReferenceForms: the engine must
// read what the official Atlas CLI reads.

schema "public" {}

schema "shop" {}

table "orders" {
  schema = schema.shop
  column "order_id" {
    type = integer
  }
  column "amount" {
    type = integer
  }
}

table "payments" {
  schema = schema.shop
  column "order_id" {
    type = integer
  }
}

table "orders_audit" {
  schema = schema.shop
  column "order_id" {
    type = integer
    null = true // the statement triggers below have no NEW row
  }
  column "operation" {
    type = text
  }
}

function "positive" {
  schema = schema.public
  lang   = SQL
  arg "v" {
    type = integer
  }
  return = boolean
  as     = "SELECT v > 0"
}

function "sql_body1" {
  schema = schema.public
  lang   = SQL
  arg "v" {
    type = integer
  }
  return = integer
  as     = <<-SQL
   BEGIN ATOMIC
    SELECT v;
   END
  SQL
}

function "sql_body2" {
  schema = schema.public
  lang   = SQL
  arg {
    type = integer
  }
  return     = integer
  as         = "RETURN $1"
  volatility = IMMUTABLE
  strict     = true
}

function "audit_orders" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  as     = <<-SQL
  BEGIN
    INSERT INTO shop.orders_audit(order_id, operation) VALUES (NEW.order_id, TG_OP);
    RETURN NEW;
  END;
  SQL
}

trigger "trigger_orders_audit" {
  on = table.orders
  after {
    insert    = true
    update_of = [table.orders.column.amount]
  }
  execute {
    function = function.audit_orders
  }
}

trigger "audit_log_trigger" {
  for_each = [table.orders, table.payments]
  on       = each.value
  after {
    insert = true
    update = true
    delete = true
  }
  execute {
    function = function.audit_orders
  }
}

procedure "proc" {
  schema = schema.public
  lang   = SQL
  arg "a" {
    type = integer
  }
  arg "b" {
    type = text
  }
  arg "c" {
    type    = integer
    default = 100
  }
  as = <<-SQL
   INSERT INTO shop.orders VALUES(a, c);
   INSERT INTO shop.orders_audit VALUES(c, b);
  SQL
}
