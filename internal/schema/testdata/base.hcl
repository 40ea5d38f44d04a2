// The base schema of the engine's tests: two tables, a materialized view with indexes, a view on it,
// functions, a procedure, a statement trigger with transition tables, roles, grants and comments.
schema "public" {
  comment = "standard public schema"
}

schema "shop" {
  comment = "orders"
}

table "customers" {
  schema = schema.shop
  column "id" {
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "name" {
    type = text
  }
  column "active" {
    type    = boolean
    default = true
  }
  primary_key {
    columns = [column.id]
  }
  index "customers_lower_name" {
    unique = true
    on {
      expr = "lower(name)"
    }
  }
}

table "orders" {
  schema  = schema.shop
  comment = "one row per order"
  column "id" {
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "customer_id" {
    type = bigint
  }
  column "amount" {
    type = numeric(12, 2)
  }
  column "ordered_on" {
    type = date
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "orders_customer_fk" {
    columns     = [column.customer_id]
    ref_columns = [table.customers.column.id]
    on_delete   = CASCADE
  }
  index "orders_customer_idx" {
    columns = [column.customer_id]
  }
  index "orders_recent_idx" {
    columns = [column.ordered_on]
    where   = "amount > 0"
  }
  check "amount_positive" {
    expr = "amount >= 0"
  }
}

table "change_state" {
  schema = schema.public
  column "id" {
    type    = integer
    default = 1
  }
  column "change_seq" {
    type    = bigint
    default = 0
  }
  primary_key {
    columns = [column.id]
  }
}

materialized "customer_totals" {
  schema = schema.public
  column "customer_id" {
    type = bigint
  }
  column "orders" {
    type = bigint
  }
  column "total" {
    type = numeric
    null = true
  }
  as = <<-SQL
    SELECT o.customer_id, count(*) AS orders, sum(o.amount) AS total
    FROM shop.orders o
    JOIN shop.customers c ON c.id = o.customer_id
    WHERE c.active
    GROUP BY o.customer_id
  SQL
  index "customer_totals_pk" {
    unique  = true
    columns = [column.customer_id]
  }
  index "customer_totals_total_idx" {
    on {
      column = column.total
      desc   = true
    }
  }
  comment    = "totals per active customer"
  depends_on = [table.orders, table.customers]
}

view "big_customers" {
  schema = schema.public
  column "customer_id" {
    type = bigint
  }
  as         = "SELECT customer_id FROM public.customer_totals WHERE total > 100"
  depends_on = [materialized.customer_totals]
}

function "customer_total" {
  schema = schema.public
  lang   = SQL
  arg "p_customer" {
    type = bigint
  }
  return     = numeric
  volatility = STABLE
  as         = "SELECT total FROM public.customer_totals WHERE customer_id = p_customer"
  comment    = "total of one customer"
}

function "bump_change_seq" {
  schema   = schema.public
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  as       = <<-SQL
    BEGIN
      UPDATE public.change_state SET change_seq = change_seq + 1 WHERE id = 1;
      RETURN NULL;
    END;
  SQL
}

function "order_stats" {
  schema = schema.public
  lang   = SQL
  arg "p_from" {
    type = date
  }
  return_table {
    column "orders" {
      type = bigint
    }
    column "amount" {
      type = numeric
    }
  }
  volatility = STABLE
  as         = "SELECT count(*)::bigint, coalesce(sum(amount), 0)::numeric FROM shop.orders WHERE ordered_on >= p_from"
}

function "active_customers" {
  schema     = schema.public
  lang       = SQL
  return     = bigint
  volatility = STABLE
  security   = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  as      = "SELECT count(*) FROM shop.customers WHERE active"
  comment = "SECURITY DEFINER: callers need no right on shop.customers"
}

procedure "refresh_totals" {
  schema = schema.public
  lang   = PLpgSQL
  as     = "BEGIN REFRESH MATERIALIZED VIEW public.customer_totals; END;"
}

trigger "orders_changed" {
  on = table.orders
  after {
    insert = true
  }
  for = STATEMENT
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.bump_change_seq
  }
}

role "authenticated" {
  login = false
}

role "service_role" {
}

permission {
  to         = role.authenticated
  for        = materialized.customer_totals
  privileges = [SELECT]
}

permission {
  to         = role.authenticated
  for        = schema.shop
  privileges = [USAGE]
}

permission {
  to         = role.service_role
  for        = function.customer_total
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = table.orders
  privileges = [SELECT, INSERT]
}

permission {
  to         = role.service_role
  for        = function.active_customers
  privileges = [EXECUTE]
}
