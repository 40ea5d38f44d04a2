// The whole sqpdash database, in the Atlas HCL syntax for PostgreSQL (see docs/schema-apply.md for the blocks
// `sqpdash schema apply` supports). It implements the original database spec with its corrections, both
// summarised in docs/spec-notes.md: "§n" names a section of the spec, "corrections #n" the numbered
// correction there; every deviation from the spec says which correction it applies.
//
// Conventions: every SQL body is a heredoc and names every object with its schema, so no body depends on the
// caller's search_path. SECURITY DEFINER functions also pin search_path to pg_catalog, pg_temp for their own
// run (config_params, rendered as CREATE FUNCTION's SET clause), and `schema apply` revokes EXECUTE on them
// from PUBLIC: only the roles a permission block names may call them.

schema "public" {
  comment = "standard public schema"
}

schema "sqp" {
  comment = "Amazon Search Query Performance (SQP) reports, as imported: one row per ASIN and weekly report, and its search queries"
}

// ---------------------------------------------------------------------------------------------------------
// Base tables. The spec assumes them; docs/spec-notes.md ("Base tables") defines them, with CHECKs where the data
// is certain. Counts an ASIN can exceed in real reports (an ASIN count above its total) are not rejected here:
// the importer warns and validate_brand_product_segments() reports them.
// ---------------------------------------------------------------------------------------------------------

table "brands" {
  schema  = schema.public
  comment = "Brands whose products are tracked. Only active brands appear in brand_product_segments."
  column "id" {
    type    = uuid
    default = sql("gen_random_uuid()")
  }
  column "brand_name" {
    type    = text
    comment = "Stable unique key of the brand (used by imports)."
  }
  column "display_name" {
    type    = text
    comment = "Name shown to users."
  }
  column "is_active" {
    type    = boolean
    default = true
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    type    = timestamptz
    default = sql("now()")
    comment = "Set by the trigger brands_set_updated_at when a row really changes."
  }
  // Brand terms (issue 13): a column rather than a table so that setting them is a change of brands, which
  // the change tracking already counts: the cached pages that split queries into branded and non-branded
  // follow at once.
  column "search_terms" {
    type    = sql("text[]")
    default = sql("'{}'::text[]")
    comment = "Brand terms set by an admin: a search query naming one of them (as whole words) is branded. Normalised by the server (lower case, words separated by one space). Empty: the brand's names are its terms."
  }
  primary_key {
    columns = [column.id]
  }
  index "brands_brand_name_key" {
    unique  = true
    columns = [column.brand_name]
  }
  check "brands_brand_name_not_blank" {
    expr = "btrim(brand_name) <> ''"
  }
  check "brands_display_name_not_blank" {
    expr = "btrim(display_name) <> ''"
  }
  check "brands_search_terms_bounded" {
    expr = "cardinality(search_terms) <= 20 AND array_position(search_terms, NULL) IS NULL"
  }
}

table "asin_brand_mapping" {
  schema  = schema.public
  comment = "Which brand each ASIN belongs to (one brand per ASIN). is_active exists because the spec's view filters on it (corrections #1)."
  column "asin" {
    type = varchar(20)
  }
  column "brand_id" {
    type = uuid
  }
  column "product_title" {
    type = text
    null = true
  }
  column "is_active" {
    type    = boolean
    default = true
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    type    = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.asin]
  }
  foreign_key "asin_brand_mapping_brand_id_fkey" {
    columns     = [column.brand_id]
    ref_columns = [table.brands.column.id]
    on_update   = NO_ACTION
    on_delete   = RESTRICT
  }
  index "idx_asin_brand_mapping_brand_id" {
    columns = [column.brand_id]
  }
  check "asin_brand_mapping_asin_not_blank" {
    expr = "btrim(asin) <> ''"
  }
}

table "asin_performance_data" {
  schema  = schema.sqp
  comment = "One row per ASIN, marketplace and weekly SQP report (Sunday to Saturday). Monthly reports are not stored: months are built from weeks."
  column "id" {
    type = bigint
    identity {
      generated = BY_DEFAULT
    }
  }
  column "asin" {
    type = varchar(20)
  }
  column "marketplace" {
    type    = text
    default = "US"
    comment = "Amazon marketplace of the report, as a country code (US, CA, UK, DE, JP, ...): Amazon reports SQP per marketplace, so the same ASIN and week can have one report per marketplace (corrections #15). The default only fills the rows of databases from before marketplaces were recorded (all imported as US); the importer always sets it."
  }
  column "start_date" {
    type    = date
    comment = "First day of the reporting week: always a Sunday."
  }
  column "end_date" {
    type    = date
    comment = "Last day of the reporting week: start_date + 6 (a Saturday)."
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    type    = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  // The report key (corrections #15: the marketplace is part of it, so a UK report never replaces the US
  // report of the same ASIN-week). Also the index of the reads by (asin, marketplace, start_date).
  index "asin_performance_data_asin_marketplace_start_date_end_date_key" {
    unique  = true
    columns = [column.asin, column.marketplace, column.start_date, column.end_date]
  }
  // Coverage ("newest week") and the validation's newest-week check.
  index "idx_asin_performance_data_start_date" {
    columns = [column.start_date]
  }
  // A brand's reports of a date range with their ids, read without visiting the table: the first half of
  // the query page's and the query row's ASINs of a search query (postgres.BrandQueryASINs). About 10 MB at
  // scale 10.
  index "idx_asin_performance_data_asin_weeks" {
    columns = [column.asin, column.marketplace, column.start_date]
    include = [column.end_date, column.id]
  }
  check "asin_performance_data_week_starts_on_sunday" {
    expr = "extract(dow FROM start_date) = 0"
  }
  check "asin_performance_data_week_is_seven_days" {
    expr = "end_date = start_date + 6"
  }
  check "asin_performance_data_marketplace_country_code" {
    expr = "marketplace ~ '^[A-Z]{2}$'"
  }
}

table "search_query_performance" {
  schema  = schema.sqp
  comment = "The search queries of one weekly report. Only counts and prices are stored: shares and rates are computed from the counts (corrections #13)."
  column "id" {
    type = bigint
    identity {
      generated = BY_DEFAULT
    }
  }
  column "asin_performance_id" {
    type = bigint
  }
  column "search_query" {
    type = text
  }
  column "search_query_score" {
    type    = integer
    null    = true
    comment = "Amazon's rank of the query, 1 = best."
  }
  column "search_query_volume" {
    type = bigint
    null = true
  }
  column "total_query_impression_count" {
    type    = bigint
    default = 0
    comment = "Market total: only a share denominator, never shown as impressions."
  }
  column "asin_impression_count" {
    type    = bigint
    default = 0
  }
  column "total_click_count" {
    type    = bigint
    default = 0
  }
  column "asin_click_count" {
    type    = bigint
    default = 0
  }
  column "total_cart_add_count" {
    type    = bigint
    default = 0
  }
  column "asin_cart_add_count" {
    type    = bigint
    default = 0
  }
  column "total_purchase_count" {
    type    = bigint
    default = 0
  }
  column "asin_purchase_count" {
    type    = bigint
    default = 0
  }
  column "total_median_click_price" {
    type = numeric(12, 2)
    null = true
  }
  column "asin_median_click_price" {
    type = numeric(12, 2)
    null = true
  }
  column "total_median_cart_add_price" {
    type = numeric(12, 2)
    null = true
  }
  column "asin_median_cart_add_price" {
    type = numeric(12, 2)
    null = true
  }
  column "total_median_purchase_price" {
    type = numeric(12, 2)
    null = true
  }
  column "asin_median_purchase_price" {
    type    = numeric(12, 2)
    null    = true
    comment = "NULL when the report has no price (never 0)."
  }
  column "currency_code" {
    type = char(3)
    null = true
  }
  column "total_same_day_shipping_click_count" {
    type = bigint
    null = true
  }
  column "total_one_day_shipping_click_count" {
    type = bigint
    null = true
  }
  column "total_two_day_shipping_click_count" {
    type = bigint
    null = true
  }
  column "total_same_day_shipping_cart_add_count" {
    type = bigint
    null = true
  }
  column "total_one_day_shipping_cart_add_count" {
    type = bigint
    null = true
  }
  column "total_two_day_shipping_cart_add_count" {
    type = bigint
    null = true
  }
  column "total_same_day_shipping_purchase_count" {
    type = bigint
    null = true
  }
  column "total_one_day_shipping_purchase_count" {
    type = bigint
    null = true
  }
  column "total_two_day_shipping_purchase_count" {
    type = bigint
    null = true
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    type    = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "search_query_performance_asin_performance_id_fkey" {
    columns     = [column.asin_performance_id]
    ref_columns = [table.asin_performance_data.column.id]
    on_update   = NO_ACTION
    on_delete   = CASCADE
  }
  // The required index on asin_performance_id (without it the live query takes 35-276 ms instead of ~1 ms):
  // asin_performance_id leads this unique index, so a separate single-column index would only slow imports.
  index "search_query_performance_asin_performance_id_search_query_key" {
    unique  = true
    columns = [column.asin_performance_id, column.search_query]
  }
  // One search query's rows with the counts the ASINs of a query show, read without visiting the table
  // (postgres.BrandQueryASINs): without it the query page probed the unique index above once per report
  // of the brand (15,600 buffers per period for a query 200 ASINs report at scale 10). It costs disk
  // (259 MB at scale 10, the table is 545 MB) and every imported row one more index entry
  // (docs/performance.md).
  index "idx_search_query_performance_query_reports" {
    columns = [column.search_query, column.asin_performance_id]
    include = [column.asin_impression_count, column.total_query_impression_count, column.asin_click_count, column.total_click_count, column.asin_cart_add_count, column.total_cart_add_count, column.asin_purchase_count, column.total_purchase_count, column.asin_median_purchase_price]
  }
  // The top queries of an ASIN's weeks, by purchases then clicks: read in index order, no sort.
  index "idx_search_query_performance_top_queries" {
    on {
      column = column.asin_performance_id
    }
    on {
      column = column.asin_purchase_count
      desc   = true
    }
    on {
      column = column.asin_click_count
      desc   = true
    }
    include = [column.search_query]
  }
  check "search_query_performance_counts_not_negative" {
    expr = "total_query_impression_count >= 0 AND asin_impression_count >= 0 AND total_click_count >= 0 AND asin_click_count >= 0 AND total_cart_add_count >= 0 AND asin_cart_add_count >= 0 AND total_purchase_count >= 0 AND asin_purchase_count >= 0"
  }
  check "search_query_performance_shipping_counts_not_negative" {
    expr = "total_same_day_shipping_click_count >= 0 AND total_one_day_shipping_click_count >= 0 AND total_two_day_shipping_click_count >= 0 AND total_same_day_shipping_cart_add_count >= 0 AND total_one_day_shipping_cart_add_count >= 0 AND total_two_day_shipping_cart_add_count >= 0 AND total_same_day_shipping_purchase_count >= 0 AND total_one_day_shipping_purchase_count >= 0 AND total_two_day_shipping_purchase_count >= 0"
  }
  check "search_query_performance_prices_not_negative" {
    expr = "total_median_click_price >= 0 AND asin_median_click_price >= 0 AND total_median_cart_add_price >= 0 AND asin_median_cart_add_price >= 0 AND total_median_purchase_price >= 0 AND asin_median_purchase_price >= 0"
  }
  check "search_query_performance_volume_not_negative" {
    expr = "search_query_volume >= 0"
  }
  check "search_query_performance_score_positive" {
    expr = "search_query_score >= 1"
  }
  check "search_query_performance_currency_code_iso" {
    expr = "currency_code ~ '^[A-Z]{3}$'"
  }
  check "search_query_performance_search_query_not_empty" {
    expr = "search_query <> ''"
  }
}

// The staging area of an import's rows for ASIN-weeks that already exist (docs/security.md, "The two
// database URLs"). The web role may not UPDATE or DELETE report rows: it COPYs a report here and
// sqp.import_merge_staged replaces the stored rows of exactly the staged ASIN-weeks with the rows this
// same transaction staged (xmin), then empties it. Rows another transaction left behind are never merged.
table "import_staging" {
  schema  = schema.sqp
  comment = "An import's query rows, staged for sqp.import_merge_staged within one transaction (only rows whose xmin is the current transaction are merged); empty between imports."
  column "asin_performance_id" {
    type = bigint
  }
  column "search_query" {
    type = text
  }
  column "search_query_score" {
    type    = integer
    null    = true
  }
  column "search_query_volume" {
    type = bigint
    null = true
  }
  column "total_query_impression_count" {
    type    = bigint
    default = 0
  }
  column "asin_impression_count" {
    type    = bigint
    default = 0
  }
  column "total_click_count" {
    type    = bigint
    default = 0
  }
  column "asin_click_count" {
    type    = bigint
    default = 0
  }
  column "total_cart_add_count" {
    type    = bigint
    default = 0
  }
  column "asin_cart_add_count" {
    type    = bigint
    default = 0
  }
  column "total_purchase_count" {
    type    = bigint
    default = 0
  }
  column "asin_purchase_count" {
    type    = bigint
    default = 0
  }
  column "total_median_click_price" {
    type = numeric(12, 2)
    null = true
  }
  column "asin_median_click_price" {
    type = numeric(12, 2)
    null = true
  }
  column "total_median_cart_add_price" {
    type = numeric(12, 2)
    null = true
  }
  column "asin_median_cart_add_price" {
    type = numeric(12, 2)
    null = true
  }
  column "total_median_purchase_price" {
    type = numeric(12, 2)
    null = true
  }
  column "asin_median_purchase_price" {
    type    = numeric(12, 2)
    null    = true
  }
  column "currency_code" {
    type = char(3)
    null = true
  }
  column "total_same_day_shipping_click_count" {
    type = bigint
    null = true
  }
  column "total_one_day_shipping_click_count" {
    type = bigint
    null = true
  }
  column "total_two_day_shipping_click_count" {
    type = bigint
    null = true
  }
  column "total_same_day_shipping_cart_add_count" {
    type = bigint
    null = true
  }
  column "total_one_day_shipping_cart_add_count" {
    type = bigint
    null = true
  }
  column "total_two_day_shipping_cart_add_count" {
    type = bigint
    null = true
  }
  column "total_same_day_shipping_purchase_count" {
    type = bigint
    null = true
  }
  column "total_one_day_shipping_purchase_count" {
    type = bigint
    null = true
  }
  column "total_two_day_shipping_purchase_count" {
    type = bigint
    null = true
  }
  index "import_staging_asin_performance_id_search_query_idx" {
    columns = [column.asin_performance_id, column.search_query]
  }
}

// ---------------------------------------------------------------------------------------------------------
// Change tracking (corrections #10): statement-level triggers with transition tables on the four base tables
// count the statements that really changed rows. A refresh records the change_seq it covered; "changed since
// the last refresh" = change_seq > the last successful refresh's change_seq. Deletes and truncates count too.
// ---------------------------------------------------------------------------------------------------------

table "segment_source_counter" {
  schema  = schema.public
  comment = "Storage of segment_source_state: at most one row (id = 1), upserted by bump_segment_source_state(). Read segment_source_state instead, which always has its row."
  column "id" {
    type    = smallint
    default = 1
  }
  column "change_seq" {
    type    = bigint
    default = 0
  }
  column "changed_at" {
    type    = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  check "segment_source_counter_single_row" {
    expr = "id = 1"
  }
  check "segment_source_counter_change_seq_not_negative" {
    expr = "change_seq >= 0"
  }
}

// A view so that the one row exists from the first apply on (a declarative schema cannot seed a table).
view "segment_source_state" {
  schema  = schema.public
  comment = "Exactly one row: change_seq counts the statements that changed brands, asin_brand_mapping, sqp.asin_performance_data or sqp.search_query_performance; changed_at is the time of the last one (NULL before any)."
  column "id" {
    type = smallint
  }
  column "change_seq" {
    type = bigint
  }
  column "changed_at" {
    type = timestamptz
    null = true
  }
  as         = <<-SQL
    SELECT 1::smallint AS id,
           coalesce(c.change_seq, 0)::bigint AS change_seq,
           c.changed_at
      FROM (VALUES (1)) AS one (id)
      LEFT JOIN public.segment_source_counter c ON c.id = one.id
  SQL
  depends_on = [table.segment_source_counter]
}

function "bump_segment_source_state" {
  schema   = schema.public
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of the base tables: adds one to segment_source_state.change_seq when the statement really changed rows (an UPDATE that rewrites the same values and a statement touching no row do not count) and notifies the new data version on sqpdash_events. SECURITY DEFINER so that writers need no right on the counter."
  as      = <<-SQL
    DECLARE
      v_changed boolean;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        v_changed := EXISTS (SELECT 1 FROM new_rows);
      ELSIF TG_OP = 'DELETE' THEN
        v_changed := EXISTS (SELECT 1 FROM old_rows);
      ELSIF TG_OP = 'UPDATE' THEN
        v_changed := EXISTS (SELECT * FROM new_rows EXCEPT SELECT * FROM old_rows);
      ELSE
        v_changed := true; -- TRUNCATE has no transition table
      END IF;
      IF v_changed THEN
        INSERT INTO public.segment_source_counter AS c (id, change_seq, changed_at)
        VALUES (1, 1, pg_catalog.clock_timestamp())
        ON CONFLICT (id) DO UPDATE SET change_seq = c.change_seq + 1, changed_at = excluded.changed_at;
        PERFORM public.notify_data_version(); -- every process's caches learn the new version at commit
      END IF;
      RETURN NULL;
    END;
  SQL
  depends_on = [function.notify_data_version]
}

function "set_updated_at" {
  schema  = schema.public
  lang    = PLpgSQL
  return  = trigger
  comment = "Row trigger: sets updated_at when the row really changed, so a rewrite of the same values leaves it (and the change tracking) alone."
  as      = <<-SQL
    BEGIN
      IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := pg_catalog.now();
      END IF;
      RETURN NEW;
    END;
  SQL
}

trigger "brands_set_updated_at" {
  on = table.brands
  before {
    update = true
  }
  for = ROW
  execute {
    function = function.set_updated_at
  }
}

trigger "asin_brand_mapping_set_updated_at" {
  on = table.asin_brand_mapping
  before {
    update = true
  }
  for = ROW
  execute {
    function = function.set_updated_at
  }
}

trigger "asin_performance_data_set_updated_at" {
  on = table.asin_performance_data
  before {
    update = true
  }
  for = ROW
  execute {
    function = function.set_updated_at
  }
}

trigger "search_query_performance_set_updated_at" {
  on = table.search_query_performance
  before {
    update = true
  }
  for = ROW
  execute {
    function = function.set_updated_at
  }
}

// One trigger per event: PostgreSQL allows transition tables only on single-event triggers. Statement triggers
// (no `for`: PostgreSQL's default, written as Atlas's reference writes them).

trigger "brands_track_insert" {
  on = table.brands
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "brands_track_update" {
  on = table.brands
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "brands_track_delete" {
  on = table.brands
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "brands_track_truncate" {
  on = table.brands
  after {
    truncate = true
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "asin_brand_mapping_track_insert" {
  on = table.asin_brand_mapping
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "asin_brand_mapping_track_update" {
  on = table.asin_brand_mapping
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "asin_brand_mapping_track_delete" {
  on = table.asin_brand_mapping
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "asin_brand_mapping_track_truncate" {
  on = table.asin_brand_mapping
  after {
    truncate = true
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "asin_performance_data_track_insert" {
  on = table.asin_performance_data
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "asin_performance_data_track_update" {
  on = table.asin_performance_data
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "asin_performance_data_track_delete" {
  on = table.asin_performance_data
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "asin_performance_data_track_truncate" {
  on = table.asin_performance_data
  after {
    truncate = true
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "search_query_performance_track_insert" {
  on = table.search_query_performance
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "search_query_performance_track_update" {
  on = table.search_query_performance
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "search_query_performance_track_delete" {
  on = table.search_query_performance
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.bump_segment_source_state
  }
}

trigger "search_query_performance_track_truncate" {
  on = table.search_query_performance
  after {
    truncate = true
  }
  execute {
    function = function.bump_segment_source_state
  }
}

// ---------------------------------------------------------------------------------------------------------
// Per-report totals: the input of brand_product_segments (and of the expansion's weekly top queries). The
// view used to aggregate the ~10 query rows of every report on every refresh (2M rows at scale 10); it reads
// one narrow row per report here instead. Statement-level triggers with transition tables keep it exact:
// each statement that writes query rows recomputes the totals of the reports it touched from the base rows
// (never by adding deltas), so the totals cannot drift from the rows. Deleting a report deletes its row (the
// foreign key cascades); `schema apply` fills the table when it creates it (internal/schema/backfill.go).
// ---------------------------------------------------------------------------------------------------------

table "report_totals" {
  schema  = schema.sqp
  comment = "One row per sqp.asin_performance_data row (weekly report): the sums of its search query rows that brand_product_segments needs, and its top 3 queries. Maintained from the base rows by statement triggers (sqp.report_totals_sync_queries, sqp.report_totals_sync_reports): never write it directly."
  column "asin_performance_id" {
    type = bigint
  }
  column "query_rows" {
    type    = integer
    default = 0
    comment = "Number of search query rows of the report (0: the report has no query yet and makes no segment)."
  }
  column "total_impressions" {
    type    = bigint
    default = 0
    comment = "Sum of total_query_impression_count (market totals of the report's queries)."
  }
  column "asin_impressions" {
    type    = bigint
    default = 0
  }
  column "total_clicks" {
    type    = bigint
    default = 0
  }
  column "asin_clicks" {
    type    = bigint
    default = 0
  }
  column "total_cart_adds" {
    type    = bigint
    default = 0
  }
  column "asin_cart_adds" {
    type    = bigint
    default = 0
  }
  column "total_purchases" {
    type    = bigint
    default = 0
  }
  column "asin_purchases" {
    type    = bigint
    default = 0
  }
  column "priced_purchases" {
    type    = bigint
    default = 0
    comment = "Sum of asin_purchase_count over the query rows that have an asin_median_purchase_price."
  }
  column "purchase_price_amount" {
    type    = numeric
    default = 0
    comment = "Sum of asin_median_purchase_price x asin_purchase_count over the query rows that have a price."
  }
  column "top_queries" {
    type    = sql("text[]")
    default = sql("'{}'::text[]")
    comment = "The report's (at most) 3 search queries with the most ASIN purchases, then ASIN clicks, then query text ascending: the weekly top queries of the expansion."
  }
  column "top_query_purchases" {
    type    = sql("bigint[]")
    default = sql("'{}'::bigint[]")
    comment = "asin_purchase_count of top_queries, element by element."
  }
  column "top_query_clicks" {
    type    = sql("bigint[]")
    default = sql("'{}'::bigint[]")
    comment = "asin_click_count of top_queries, element by element."
  }
  primary_key {
    columns = [column.asin_performance_id]
  }
  foreign_key "report_totals_asin_performance_id_fkey" {
    columns     = [column.asin_performance_id]
    ref_columns = [table.asin_performance_data.column.id]
    on_update   = CASCADE
    on_delete   = CASCADE
  }
  check "report_totals_top_queries_aligned" {
    expr = "cardinality(top_queries) <= 3 AND cardinality(top_query_purchases) = cardinality(top_queries) AND cardinality(top_query_clicks) = cardinality(top_queries)"
  }
}

function "report_totals_sync_queries" {
  schema   = schema.sqp
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of sqp.search_query_performance: recomputes sqp.report_totals for the reports whose query rows the statement inserted, updated or deleted (every report after a TRUNCATE). SECURITY DEFINER so that writers (the web role's imports) need no right on report_totals."
  as      = <<-SQL
    DECLARE
      v_ids bigint[];
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        PERFORM sqp.report_totals_recompute(NULL); -- no transition table: every report lost its queries
        RETURN NULL;
      ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.asin_performance_id) INTO v_ids FROM new_rows n;
      ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.asin_performance_id) INTO v_ids FROM old_rows o;
      ELSE
        -- An update can move a row to another report: both reports change.
        SELECT array_agg(DISTINCT c.id) INTO v_ids
          FROM (SELECT n.asin_performance_id FROM new_rows n
                UNION ALL
                SELECT o.asin_performance_id FROM old_rows o) AS c (id);
      END IF;
      IF v_ids IS NOT NULL THEN
        PERFORM sqp.report_totals_recompute(v_ids);
      END IF;
      RETURN NULL;
    END;
  SQL
  depends_on = [function.report_totals_recompute]
}

function "report_totals_sync_reports" {
  schema   = schema.sqp
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of INSERT on sqp.asin_performance_data: gives every new report its sqp.report_totals row (a report's deletion, id change or TRUNCATE reaches report_totals through its foreign key's cascade). SECURITY DEFINER so that writers need no right on report_totals."
  as      = <<-SQL
    DECLARE
      v_ids bigint[];
    BEGIN
      SELECT array_agg(n.id) INTO v_ids FROM new_rows n;
      IF v_ids IS NOT NULL THEN
        PERFORM sqp.report_totals_recompute(v_ids);
      END IF;
      RETURN NULL;
    END;
  SQL
  depends_on = [function.report_totals_recompute]
}

function "report_totals_recompute" {
  schema = schema.sqp
  lang   = SQL
  arg "p_ids" {
    type = sql("bigint[]")
  }
  return   = void
  comment  = "Recomputes sqp.report_totals from the query rows of the reports p_ids (every report when NULL), writing only the rows whose totals changed: the one definition of the totals, for the triggers and the fill of `schema apply`. Runs with its caller's rights (the trigger functions' owner)."
  as       = <<-SQL
    INSERT INTO sqp.report_totals AS t
           (asin_performance_id, query_rows, total_impressions, asin_impressions, total_clicks, asin_clicks,
            total_cart_adds, asin_cart_adds, total_purchases, asin_purchases, priced_purchases,
            purchase_price_amount, top_queries, top_query_purchases, top_query_clicks)
    SELECT a.id, s.query_rows, s.total_impressions, s.asin_impressions, s.total_clicks, s.asin_clicks,
           s.total_cart_adds, s.asin_cart_adds, s.total_purchases, s.asin_purchases, s.priced_purchases,
           s.purchase_price_amount, s.top_queries, s.top_query_purchases, s.top_query_clicks
      FROM (SELECT r.id FROM sqp.asin_performance_data r WHERE p_ids IS NULL
            UNION ALL
            SELECT DISTINCT u.id FROM pg_catalog.unnest(p_ids) AS u (id) WHERE p_ids IS NOT NULL) AS ids
      -- Reports deleted meanwhile (their query rows went with them) have no row to recompute.
      JOIN sqp.asin_performance_data a ON a.id = ids.id
     CROSS JOIN LATERAL (
           SELECT count(*)::integer AS query_rows,
                  coalesce(sum(q.total_query_impression_count), 0)::bigint AS total_impressions,
                  coalesce(sum(q.asin_impression_count), 0)::bigint AS asin_impressions,
                  coalesce(sum(q.total_click_count), 0)::bigint AS total_clicks,
                  coalesce(sum(q.asin_click_count), 0)::bigint AS asin_clicks,
                  coalesce(sum(q.total_cart_add_count), 0)::bigint AS total_cart_adds,
                  coalesce(sum(q.asin_cart_add_count), 0)::bigint AS asin_cart_adds,
                  coalesce(sum(q.total_purchase_count), 0)::bigint AS total_purchases,
                  coalesce(sum(q.asin_purchase_count), 0)::bigint AS asin_purchases,
                  coalesce(sum(q.asin_purchase_count) FILTER (WHERE q.asin_median_purchase_price IS NOT NULL), 0)::bigint AS priced_purchases,
                  coalesce(sum(q.asin_median_purchase_price * q.asin_purchase_count), 0)::numeric AS purchase_price_amount,
                  coalesce((array_agg(q.search_query ORDER BY q.asin_purchase_count DESC, q.asin_click_count DESC, q.search_query))[1:3], '{}') AS top_queries,
                  coalesce((array_agg(q.asin_purchase_count ORDER BY q.asin_purchase_count DESC, q.asin_click_count DESC, q.search_query))[1:3], '{}') AS top_query_purchases,
                  coalesce((array_agg(q.asin_click_count ORDER BY q.asin_purchase_count DESC, q.asin_click_count DESC, q.search_query))[1:3], '{}') AS top_query_clicks
             FROM sqp.search_query_performance q
            WHERE q.asin_performance_id = a.id) AS s
    ON CONFLICT (asin_performance_id) DO UPDATE
       SET query_rows = excluded.query_rows, total_impressions = excluded.total_impressions,
           asin_impressions = excluded.asin_impressions, total_clicks = excluded.total_clicks,
           asin_clicks = excluded.asin_clicks, total_cart_adds = excluded.total_cart_adds,
           asin_cart_adds = excluded.asin_cart_adds, total_purchases = excluded.total_purchases,
           asin_purchases = excluded.asin_purchases, priced_purchases = excluded.priced_purchases,
           purchase_price_amount = excluded.purchase_price_amount, top_queries = excluded.top_queries,
           top_query_purchases = excluded.top_query_purchases, top_query_clicks = excluded.top_query_clicks
     WHERE (t.query_rows, t.total_impressions, t.asin_impressions, t.total_clicks, t.asin_clicks,
            t.total_cart_adds, t.asin_cart_adds, t.total_purchases, t.asin_purchases, t.priced_purchases,
            t.purchase_price_amount, t.top_queries, t.top_query_purchases, t.top_query_clicks)
           IS DISTINCT FROM
           (excluded.query_rows, excluded.total_impressions, excluded.asin_impressions, excluded.total_clicks,
            excluded.asin_clicks, excluded.total_cart_adds, excluded.asin_cart_adds, excluded.total_purchases,
            excluded.asin_purchases, excluded.priced_purchases, excluded.purchase_price_amount,
            excluded.top_queries, excluded.top_query_purchases, excluded.top_query_clicks)
  SQL
  depends_on = [table.report_totals, table.search_query_performance, table.asin_performance_data]
}

trigger "search_query_performance_report_totals_insert" {
  on = table.search_query_performance
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.report_totals_sync_queries
  }
}

trigger "search_query_performance_report_totals_update" {
  on = table.search_query_performance
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.report_totals_sync_queries
  }
}

trigger "search_query_performance_report_totals_delete" {
  on = table.search_query_performance
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.report_totals_sync_queries
  }
}

trigger "search_query_performance_report_totals_truncate" {
  on = table.search_query_performance
  after {
    truncate = true
  }
  execute {
    function = function.report_totals_sync_queries
  }
}

trigger "asin_performance_data_report_totals_insert" {
  on = table.asin_performance_data
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.report_totals_sync_reports
  }
}

// ---------------------------------------------------------------------------------------------------------
// Per-segment sums: the input of brand_product_segments. The view used to join the 201k report totals with
// the mappings and brands and sum them into months and quarters on every refresh (about 4 s of its 8.8 s at
// scale 10); it reads one narrow row per segment here instead and only adds the rates. Statement-level
// triggers keep the table exact, as sqp.report_totals is kept: each statement that changes what a segment
// sums (report totals, a report's ASIN, marketplace or week, a mapping, a brand's activation) recomputes the
// segments it touched from sqp.report_totals in the same transaction (never by adding deltas), so a REFRESH
// run right after any write sees exact sums. `schema apply` fills the table when it creates it
// (internal/schema/backfill.go).
// An ASIN has one brand (asin_brand_mapping's key), so (asin, marketplace, segment_type, period_start) is
// unique: the triggers find a segment by it whatever its brand.
// ---------------------------------------------------------------------------------------------------------

table "segment_sums" {
  schema  = schema.sqp
  comment = "One row per row of brand_product_segments, with the same columns in the same order: the sums of the segment's weekly report totals (sqp.report_totals with query rows, of active mappings of active brands) and the rates computed from them. Maintained by statement triggers (sqp.segment_sums_sync_*): never write it directly."
  column "brand_id" {
    type = uuid
  }
  column "marketplace" {
    type = text
  }
  column "asin" {
    type = varchar(20)
  }
  column "segment_type" {
    type    = text
    comment = "weekly, monthly or quarterly, as in brand_product_segments."
  }
  column "period_start" {
    type = date
  }
  column "period_end" {
    type = date
  }
  column "total_impressions" {
    type = bigint
  }
  column "asin_impressions" {
    type = bigint
  }
  column "total_clicks" {
    type = bigint
  }
  column "asin_clicks" {
    type = bigint
  }
  column "total_cart_adds" {
    type = bigint
  }
  column "asin_cart_adds" {
    type = bigint
  }
  column "total_purchases" {
    type = bigint
  }
  column "asin_purchases" {
    type = bigint
  }
  column "impression_share_pct" {
    type = numeric
    null = true
  }
  column "click_share_pct" {
    type = numeric
    null = true
  }
  column "cart_add_share_pct" {
    type = numeric
    null = true
  }
  column "purchase_share_pct" {
    type = numeric
    null = true
  }
  column "ctr_pct" {
    type = numeric
    null = true
  }
  column "cvr_pct" {
    type = numeric
    null = true
  }
  column "avg_purchase_price" {
    type = numeric
    null = true
  }
  column "data_points_count" {
    type = integer
  }
  column "earliest_date" {
    type = date
  }
  column "latest_date" {
    type = date
  }
  column "purchase_price_amount" {
    type = numeric
  }
  column "priced_purchases" {
    type = bigint
  }
  // The view's unique key, in its order: the view reads the table through this index, already sorted.
  primary_key {
    columns = [column.brand_id, column.marketplace, column.asin, column.segment_type, column.period_start]
  }
  // The triggers find a segment by it whatever its brand.
  index "segment_sums_asin_key" {
    unique  = true
    columns = [column.asin, column.marketplace, column.segment_type, column.period_start]
  }
  check "segment_sums_segment_type" {
    expr = "segment_type IN ('weekly', 'monthly', 'quarterly')"
  }
}

function "segment_sums_recompute" {
  schema = schema.sqp
  lang   = SQL
  arg "p_asins" {
    type = sql("text[]")
  }
  arg "p_marketplaces" {
    type = sql("text[]")
  }
  arg "p_weeks" {
    type = sql("date[]")
  }
  return  = void
  comment = "Recomputes sqp.segment_sums for the segments holding the week (a Sunday, as every report starts on one) p_weeks[i] of ASIN p_asins[i] in marketplace p_marketplaces[i] (its week, month and quarter), writing only the rows that changed: the one definition of a segment's sums for the triggers. Runs with its caller's rights (the trigger functions' owner)."
  as      = <<-SQL
    WITH keys AS (
      SELECT DISTINCT k.asin, k.marketplace, g.segment_type, g.period_start, g.period_end
        FROM ROWS FROM (pg_catalog.unnest(p_asins), pg_catalog.unnest(p_marketplaces), pg_catalog.unnest(p_weeks))
             AS k (asin, marketplace, week)
       CROSS JOIN LATERAL (VALUES
             ('weekly'::text, k.week, k.week + 6),
             ('monthly', date_trunc('month', k.week::timestamp)::date,
              (date_trunc('month', k.week::timestamp) + interval '1 month' - interval '1 day')::date),
             ('quarterly', date_trunc('quarter', k.week::timestamp)::date,
              (date_trunc('quarter', k.week::timestamp) + interval '3 months' - interval '1 day')::date)
            ) AS g (segment_type, period_start, period_end)
    ),
    -- A segment holds the reports whose week (a report starts on a Sunday) starts in its period. A key
    -- without any (brand_id NULL) loses its row.
    fresh AS (
      SELECT k.asin, k.marketplace, k.segment_type, k.period_start, k.period_end, a.*,
             round(100.0 * a.asin_impressions / nullif(a.total_impressions, 0), 2) AS impression_share_pct,
             round(100.0 * a.asin_clicks / nullif(a.total_clicks, 0), 2) AS click_share_pct,
             round(100.0 * a.asin_cart_adds / nullif(a.total_cart_adds, 0), 2) AS cart_add_share_pct,
             round(100.0 * a.asin_purchases / nullif(a.total_purchases, 0), 2) AS purchase_share_pct,
             round(100.0 * a.asin_clicks / nullif(a.asin_impressions, 0), 2) AS ctr_pct,
             round(100.0 * a.asin_purchases / nullif(a.asin_clicks, 0), 2) AS cvr_pct,
             round(a.purchase_price_amount / nullif(a.priced_purchases, 0), 2) AS avg_purchase_price
        FROM keys k
        LEFT JOIN LATERAL (
             SELECT m.brand_id,
                    sum(t.total_impressions)::bigint AS total_impressions, sum(t.asin_impressions)::bigint AS asin_impressions,
                    sum(t.total_clicks)::bigint AS total_clicks, sum(t.asin_clicks)::bigint AS asin_clicks,
                    sum(t.total_cart_adds)::bigint AS total_cart_adds, sum(t.asin_cart_adds)::bigint AS asin_cart_adds,
                    sum(t.total_purchases)::bigint AS total_purchases, sum(t.asin_purchases)::bigint AS asin_purchases,
                    sum(t.purchase_price_amount) AS purchase_price_amount, sum(t.priced_purchases)::bigint AS priced_purchases,
                    count(*)::integer AS data_points_count, min(r.start_date) AS earliest_date, max(r.end_date) AS latest_date
               FROM sqp.asin_performance_data r
               JOIN sqp.report_totals t ON t.asin_performance_id = r.id AND t.query_rows > 0
               JOIN public.asin_brand_mapping m ON m.asin = r.asin AND m.is_active
               JOIN public.brands b ON b.id = m.brand_id AND b.is_active
              WHERE r.asin = k.asin AND r.marketplace = k.marketplace
                AND r.start_date BETWEEN k.period_start AND k.period_end
              GROUP BY m.brand_id) AS a ON true
    ),
    gone AS (
      DELETE FROM sqp.segment_sums s
       USING fresh f
       WHERE f.brand_id IS NULL
         AND s.asin = f.asin AND s.marketplace = f.marketplace AND s.segment_type = f.segment_type
         AND s.period_start = f.period_start
    )
    INSERT INTO sqp.segment_sums AS s
           (brand_id, marketplace, asin, segment_type, period_start, period_end, total_impressions,
            asin_impressions, total_clicks, asin_clicks, total_cart_adds, asin_cart_adds, total_purchases,
            asin_purchases, impression_share_pct, click_share_pct, cart_add_share_pct, purchase_share_pct, ctr_pct,
            cvr_pct, avg_purchase_price, data_points_count, earliest_date, latest_date, purchase_price_amount,
            priced_purchases)
    SELECT f.brand_id, f.marketplace, f.asin, f.segment_type, f.period_start, f.period_end, f.total_impressions,
           f.asin_impressions, f.total_clicks, f.asin_clicks, f.total_cart_adds, f.asin_cart_adds, f.total_purchases,
           f.asin_purchases, f.impression_share_pct, f.click_share_pct, f.cart_add_share_pct, f.purchase_share_pct,
           f.ctr_pct, f.cvr_pct, f.avg_purchase_price, f.data_points_count, f.earliest_date, f.latest_date,
           f.purchase_price_amount, f.priced_purchases
      FROM fresh f
     WHERE f.brand_id IS NOT NULL
     -- In the view's order: what is inserted at once (a first load: every segment) lies in the heap in the
     -- order the view reads it, which lets the planner read the primary key rather than sort.
     ORDER BY f.brand_id, f.marketplace, f.asin, f.segment_type, f.period_start
    ON CONFLICT (asin, marketplace, segment_type, period_start) DO UPDATE
       SET brand_id = excluded.brand_id, period_end = excluded.period_end,
           total_impressions = excluded.total_impressions, asin_impressions = excluded.asin_impressions,
           total_clicks = excluded.total_clicks, asin_clicks = excluded.asin_clicks,
           total_cart_adds = excluded.total_cart_adds, asin_cart_adds = excluded.asin_cart_adds,
           total_purchases = excluded.total_purchases, asin_purchases = excluded.asin_purchases,
           impression_share_pct = excluded.impression_share_pct, click_share_pct = excluded.click_share_pct,
           cart_add_share_pct = excluded.cart_add_share_pct, purchase_share_pct = excluded.purchase_share_pct,
           ctr_pct = excluded.ctr_pct, cvr_pct = excluded.cvr_pct, avg_purchase_price = excluded.avg_purchase_price,
           data_points_count = excluded.data_points_count, earliest_date = excluded.earliest_date,
           latest_date = excluded.latest_date, purchase_price_amount = excluded.purchase_price_amount,
           priced_purchases = excluded.priced_purchases
     -- The rates follow from the sums. The amount as text, so that another scale (the view shows it) is a
     -- change too.
     WHERE (s.brand_id, s.period_end, s.total_impressions, s.asin_impressions, s.total_clicks, s.asin_clicks,
            s.total_cart_adds, s.asin_cart_adds, s.total_purchases, s.asin_purchases, s.purchase_price_amount::text,
            s.priced_purchases, s.data_points_count, s.earliest_date, s.latest_date)
           IS DISTINCT FROM
           (excluded.brand_id, excluded.period_end, excluded.total_impressions, excluded.asin_impressions,
            excluded.total_clicks, excluded.asin_clicks, excluded.total_cart_adds, excluded.asin_cart_adds,
            excluded.total_purchases, excluded.asin_purchases, excluded.purchase_price_amount::text,
            excluded.priced_purchases, excluded.data_points_count, excluded.earliest_date, excluded.latest_date)
  SQL
  depends_on = [table.segment_sums, table.report_totals, table.asin_performance_data, table.asin_brand_mapping, table.brands]
}

function "segment_sums_rebuild" {
  schema = schema.sqp
  lang   = PLpgSQL
  arg "p_asins" {
    type = sql("text[]")
  }
  return  = void
  comment = "Recomputes every segment of the ASINs p_asins in sqp.segment_sums (every segment when NULL: one aggregation of all report totals, the statement that fills the table in `schema apply`): for changes that move whole ASINs (mappings, brands), truncates and large batches. Rewrites those ASINs' rows. Runs with its caller's rights (the trigger functions' owner)."
  as      = <<-SQL
    DECLARE
      v_asins text[];
      v_marketplaces text[];
      v_weeks date[];
    BEGIN
      IF p_asins IS NULL THEN
        DELETE FROM sqp.segment_sums;
        INSERT INTO sqp.segment_sums
        SELECT a.brand_id, a.marketplace, a.asin, a.segment_type, a.period_start, a.period_end, a.total_impressions,
               a.asin_impressions, a.total_clicks, a.asin_clicks, a.total_cart_adds, a.asin_cart_adds, a.total_purchases,
               a.asin_purchases,
               round(100.0 * a.asin_impressions / nullif(a.total_impressions, 0), 2),
               round(100.0 * a.asin_clicks / nullif(a.total_clicks, 0), 2),
               round(100.0 * a.asin_cart_adds / nullif(a.total_cart_adds, 0), 2),
               round(100.0 * a.asin_purchases / nullif(a.total_purchases, 0), 2),
               round(100.0 * a.asin_clicks / nullif(a.asin_impressions, 0), 2),
               round(100.0 * a.asin_purchases / nullif(a.asin_clicks, 0), 2),
               round(a.purchase_price_amount / nullif(a.priced_purchases, 0), 2),
               a.data_points_count, a.earliest_date, a.latest_date, a.purchase_price_amount, a.priced_purchases
          FROM (SELECT m.brand_id, r.marketplace, r.asin, g.segment_type, g.period_start, g.period_end,
                       sum(t.total_impressions)::bigint AS total_impressions, sum(t.asin_impressions)::bigint AS asin_impressions,
                       sum(t.total_clicks)::bigint AS total_clicks, sum(t.asin_clicks)::bigint AS asin_clicks,
                       sum(t.total_cart_adds)::bigint AS total_cart_adds, sum(t.asin_cart_adds)::bigint AS asin_cart_adds,
                       sum(t.total_purchases)::bigint AS total_purchases, sum(t.asin_purchases)::bigint AS asin_purchases,
                       sum(t.purchase_price_amount) AS purchase_price_amount, sum(t.priced_purchases)::bigint AS priced_purchases,
                       count(*)::integer AS data_points_count, min(r.start_date) AS earliest_date, max(r.end_date) AS latest_date
                  FROM sqp.report_totals t
                  JOIN sqp.asin_performance_data r ON r.id = t.asin_performance_id
                  JOIN public.asin_brand_mapping m ON m.asin = r.asin AND m.is_active
                  JOIN public.brands b ON b.id = m.brand_id AND b.is_active
                 CROSS JOIN LATERAL (SELECT r.start_date - extract(dow FROM r.start_date)::integer AS week) w
                 CROSS JOIN LATERAL (VALUES
                       ('weekly'::text, w.week, w.week + 6),
                       ('monthly', date_trunc('month', w.week::timestamp)::date,
                        (date_trunc('month', w.week::timestamp) + interval '1 month' - interval '1 day')::date),
                       ('quarterly', date_trunc('quarter', w.week::timestamp)::date,
                        (date_trunc('quarter', w.week::timestamp) + interval '3 months' - interval '1 day')::date)
                      ) AS g (segment_type, period_start, period_end)
                 WHERE t.query_rows > 0
                 GROUP BY m.brand_id, r.marketplace, r.asin, g.segment_type, g.period_start, g.period_end) AS a
         ORDER BY a.brand_id, a.marketplace, a.asin, a.segment_type, a.period_start;
        RETURN;
      END IF;
      DELETE FROM sqp.segment_sums s WHERE s.asin = ANY (p_asins);
      -- Every segment the ASINs have now comes from the weeks of their reports.
      SELECT array_agg(r.asin::text), array_agg(r.marketplace), array_agg(r.start_date - extract(dow FROM r.start_date)::integer)
        INTO v_asins, v_marketplaces, v_weeks
        FROM sqp.asin_performance_data r
       WHERE r.asin = ANY (p_asins);
      IF v_asins IS NOT NULL THEN
        PERFORM sqp.segment_sums_recompute(v_asins, v_marketplaces, v_weeks);
      END IF;
    END;
  SQL
  depends_on = [function.segment_sums_recompute]
}

// One trigger function per table (transition tables need single-event triggers). A change that cannot alter
// any sum (a report without query rows, a new title, a rewrite of the same values) recomputes nothing.

function "segment_sums_sync_totals" {
  schema   = schema.sqp
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of sqp.report_totals: recomputes the segments (week, month, quarter) of the reports whose totals the statement inserted, changed or deleted (every segment after a TRUNCATE). A deleted report is no longer found here: the report's own delete trigger (segment_sums_sync_reports) recomputes its segments. SECURITY DEFINER so that writers need no right on sqp.segment_sums."
  as      = <<-SQL
    DECLARE
      v_ids bigint[];
      v_asins text[];
      v_marketplaces text[];
      v_weeks date[];
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        PERFORM sqp.segment_sums_rebuild(NULL);
        RETURN NULL;
      ELSIF TG_OP = 'INSERT' THEN
        v_ids := ARRAY(SELECT n.asin_performance_id FROM new_rows n WHERE n.query_rows > 0);
      ELSIF TG_OP = 'DELETE' THEN
        v_ids := ARRAY(SELECT o.asin_performance_id FROM old_rows o WHERE o.query_rows > 0);
      ELSE
        -- Only what the segments sum (the amount as text: its scale shows), so that new top queries alone
        -- recompute nothing. A report whose id changed appears under both ids.
        v_ids := ARRAY(
          SELECT c.asin_performance_id
            FROM ((SELECT n.asin_performance_id, n.query_rows > 0, n.total_impressions, n.asin_impressions,
                          n.total_clicks, n.asin_clicks, n.total_cart_adds, n.asin_cart_adds, n.total_purchases,
                          n.asin_purchases, n.priced_purchases, n.purchase_price_amount::text
                     FROM new_rows n WHERE n.query_rows > 0
                   EXCEPT
                   SELECT o.asin_performance_id, o.query_rows > 0, o.total_impressions, o.asin_impressions,
                          o.total_clicks, o.asin_clicks, o.total_cart_adds, o.asin_cart_adds, o.total_purchases,
                          o.asin_purchases, o.priced_purchases, o.purchase_price_amount::text
                     FROM old_rows o)
                  UNION
                  (SELECT o.asin_performance_id, o.query_rows > 0, o.total_impressions, o.asin_impressions,
                          o.total_clicks, o.asin_clicks, o.total_cart_adds, o.asin_cart_adds, o.total_purchases,
                          o.asin_purchases, o.priced_purchases, o.purchase_price_amount::text
                     FROM old_rows o WHERE o.query_rows > 0
                   EXCEPT
                   SELECT n.asin_performance_id, n.query_rows > 0, n.total_impressions, n.asin_impressions,
                          n.total_clicks, n.asin_clicks, n.total_cart_adds, n.asin_cart_adds, n.total_purchases,
                          n.asin_purchases, n.priced_purchases, n.purchase_price_amount::text
                     FROM new_rows n)) AS c (asin_performance_id));
      END IF;
      -- A large batch (a first load, every report's totals after a TRUNCATE of the query rows): one
      -- aggregation of everything costs less than segment by segment once the batch is about a third of all
      -- reports (every segment at scale 10: 10.8 s at once, 30 s one by one). A fixed count was not enough:
      -- one week of a 21,500-ASIN catalogue is over 20,000 reports, and rebuilding all 1.3M segments for it
      -- made that import take 79 s instead of 24 s (make bench, scale 50).
      IF cardinality(v_ids) > greatest(20000, (SELECT c.reltuples FROM pg_catalog.pg_class c
                                                WHERE c.oid = 'sqp.report_totals'::regclass) / 3) THEN
        PERFORM sqp.segment_sums_rebuild(NULL);
      ELSIF cardinality(v_ids) > 0 THEN
        SELECT array_agg(r.asin::text), array_agg(r.marketplace), array_agg(r.start_date - extract(dow FROM r.start_date)::integer)
          INTO v_asins, v_marketplaces, v_weeks
          FROM sqp.asin_performance_data r
         WHERE r.id = ANY (v_ids);
        IF v_asins IS NOT NULL THEN
          PERFORM sqp.segment_sums_recompute(v_asins, v_marketplaces, v_weeks);
        END IF;
      END IF;
      RETURN NULL;
    END;
  SQL
  depends_on = [function.segment_sums_recompute, function.segment_sums_rebuild]
}

function "segment_sums_sync_reports" {
  schema   = schema.sqp
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of sqp.asin_performance_data: recomputes the segments of each report the statement deleted, or moved to another ASIN, marketplace or week (old and new), every segment after a TRUNCATE. A new report has no query rows yet: its totals' trigger counts it when they come. SECURITY DEFINER so that writers need no right on sqp.segment_sums."
  as      = <<-SQL
    DECLARE
      v_asins text[];
      v_marketplaces text[];
      v_weeks date[];
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        PERFORM sqp.segment_sums_rebuild(NULL);
        RETURN NULL;
      ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(o.asin::text), array_agg(o.marketplace), array_agg(o.start_date - extract(dow FROM o.start_date)::integer)
          INTO v_asins, v_marketplaces, v_weeks
          FROM old_rows o;
      ELSE
        SELECT array_agg(c.asin::text), array_agg(c.marketplace), array_agg(c.start_date - extract(dow FROM c.start_date)::integer)
          INTO v_asins, v_marketplaces, v_weeks
          FROM ((SELECT o.asin, o.marketplace, o.start_date, o.end_date FROM old_rows o
                 EXCEPT SELECT n.asin, n.marketplace, n.start_date, n.end_date FROM new_rows n)
                UNION
                (SELECT n.asin, n.marketplace, n.start_date, n.end_date FROM new_rows n
                 EXCEPT SELECT o.asin, o.marketplace, o.start_date, o.end_date FROM old_rows o)) AS c;
      END IF;
      IF v_asins IS NOT NULL THEN
        PERFORM sqp.segment_sums_recompute(v_asins, v_marketplaces, v_weeks);
      END IF;
      RETURN NULL;
    END;
  SQL
  depends_on = [function.segment_sums_recompute, function.segment_sums_rebuild]
}

function "segment_sums_sync_mappings" {
  schema   = schema.sqp
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of asin_brand_mapping: recomputes every segment of each ASIN the statement mapped, unmapped, moved to another brand or (de)activated (a new title recomputes nothing), every segment after a TRUNCATE. SECURITY DEFINER so that writers need no right on sqp.segment_sums."
  as      = <<-SQL
    DECLARE
      v_asins text[];
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        PERFORM sqp.segment_sums_rebuild(NULL);
        RETURN NULL;
      ELSIF TG_OP = 'INSERT' THEN
        v_asins := ARRAY(SELECT n.asin::text FROM new_rows n);
      ELSIF TG_OP = 'DELETE' THEN
        v_asins := ARRAY(SELECT o.asin::text FROM old_rows o);
      ELSE
        v_asins := ARRAY(SELECT c.asin::text
                           FROM ((SELECT o.asin, o.brand_id, o.is_active FROM old_rows o
                                  EXCEPT SELECT n.asin, n.brand_id, n.is_active FROM new_rows n)
                                 UNION
                                 (SELECT n.asin, n.brand_id, n.is_active FROM new_rows n
                                  EXCEPT SELECT o.asin, o.brand_id, o.is_active FROM old_rows o)) AS c);
      END IF;
      IF cardinality(v_asins) > 0 THEN
        PERFORM sqp.segment_sums_rebuild(v_asins);
      END IF;
      RETURN NULL;
    END;
  SQL
  depends_on = [function.segment_sums_rebuild]
}

function "segment_sums_sync_brands" {
  schema   = schema.sqp
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of brands: recomputes every segment of the ASINs of each brand the statement activated or deactivated, every segment after a TRUNCATE. A new brand has no mapping yet, and one with mappings cannot be deleted or change its id (their foreign key). SECURITY DEFINER so that writers need no right on sqp.segment_sums."
  as      = <<-SQL
    DECLARE
      v_asins text[];
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        PERFORM sqp.segment_sums_rebuild(NULL);
        RETURN NULL;
      END IF;
      v_asins := ARRAY(SELECT m.asin::text
                         FROM old_rows o
                         JOIN new_rows n ON n.id = o.id AND n.is_active IS DISTINCT FROM o.is_active
                         JOIN public.asin_brand_mapping m ON m.brand_id = n.id);
      IF cardinality(v_asins) > 0 THEN
        PERFORM sqp.segment_sums_rebuild(v_asins);
      END IF;
      RETURN NULL;
    END;
  SQL
  depends_on = [function.segment_sums_rebuild]
}

trigger "report_totals_segment_sums_insert" {
  on = table.report_totals
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.segment_sums_sync_totals
  }
}

trigger "report_totals_segment_sums_update" {
  on = table.report_totals
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.segment_sums_sync_totals
  }
}

trigger "report_totals_segment_sums_delete" {
  on = table.report_totals
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.segment_sums_sync_totals
  }
}

trigger "report_totals_segment_sums_truncate" {
  on = table.report_totals
  after {
    truncate = true
  }
  execute {
    function = function.segment_sums_sync_totals
  }
}

trigger "asin_performance_data_segment_sums_update" {
  on = table.asin_performance_data
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.segment_sums_sync_reports
  }
}

trigger "asin_performance_data_segment_sums_delete" {
  on = table.asin_performance_data
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.segment_sums_sync_reports
  }
}

trigger "asin_performance_data_segment_sums_truncate" {
  on = table.asin_performance_data
  after {
    truncate = true
  }
  execute {
    function = function.segment_sums_sync_reports
  }
}

trigger "asin_brand_mapping_segment_sums_insert" {
  on = table.asin_brand_mapping
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.segment_sums_sync_mappings
  }
}

trigger "asin_brand_mapping_segment_sums_update" {
  on = table.asin_brand_mapping
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.segment_sums_sync_mappings
  }
}

trigger "asin_brand_mapping_segment_sums_delete" {
  on = table.asin_brand_mapping
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.segment_sums_sync_mappings
  }
}

trigger "asin_brand_mapping_segment_sums_truncate" {
  on = table.asin_brand_mapping
  after {
    truncate = true
  }
  execute {
    function = function.segment_sums_sync_mappings
  }
}

trigger "brands_segment_sums_update" {
  on = table.brands
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.segment_sums_sync_brands
  }
}

trigger "brands_segment_sums_truncate" {
  on = table.brands
  after {
    truncate = true
  }
  execute {
    function = function.segment_sums_sync_brands
  }
}

// ---------------------------------------------------------------------------------------------------------
// The refresh log (corrections #6: the spec writes to it but never defines it).
// ---------------------------------------------------------------------------------------------------------

table "materialized_view_refresh_log" {
  schema  = schema.public
  comment = "One row per refresh run of a materialized view (view_name 'brand_product_segments'), written by refresh_brand_product_segments(). Duration = refresh_end - refresh_start."
  column "id" {
    type = bigint
    identity {
      generated = BY_DEFAULT
    }
  }
  column "view_name" {
    type = text
  }
  column "refresh_start" {
    type = timestamptz
  }
  column "refresh_end" {
    type    = timestamptz
    null    = true
    comment = "NULL while the run is running."
  }
  column "status" {
    type = text
  }
  column "row_count" {
    type    = bigint
    null    = true
    comment = "Rows of the view after the run (success and skipped)."
  }
  column "change_seq" {
    type    = bigint
    null    = true
    comment = "segment_source_state.change_seq read before the refresh: every change up to it is in the view."
  }
  column "trigger_source" {
    type    = text
    default = "sql"
  }
  column "requested_by" {
    type = text
    null = true
  }
  column "backend_pid" {
    type    = integer
    null    = true
    comment = "The session that ran the refresh: a running row whose session is gone was interrupted."
  }
  column "error" {
    type = text
    null = true
  }
  column "validation" {
    type    = jsonb
    null    = true
    comment = "Result of the validation after a successful refresh (validate_brand_segments(true): the slices it rebuilt, everything when forced): {ok, violation_count, violations (the first 100)}."
  }
  column "metadata" {
    type    = jsonb
    default = "{}"
  }
  primary_key {
    columns = [column.id]
  }
  index "idx_materialized_view_refresh_log_history" {
    on {
      column = column.view_name
    }
    on {
      column = column.id
      desc   = true
    }
  }
  index "idx_materialized_view_refresh_log_last_success" {
    on {
      column = column.view_name
    }
    on {
      column = column.id
      desc   = true
    }
    where = "status = 'success'"
  }
  // The advisory lock already allows one refresh at a time; this makes a second running row impossible.
  index "idx_materialized_view_refresh_log_one_running" {
    unique  = true
    columns = [column.view_name]
    where   = "status = 'running'"
  }
  check "materialized_view_refresh_log_status_check" {
    expr = "status IN ('running', 'success', 'skipped', 'failed', 'cancelled')"
  }
  check "materialized_view_refresh_log_trigger_source_check" {
    expr = "trigger_source IN ('manual', 'schedule', 'import', 'cli', 'sql', 'apply')"
  }
  check "materialized_view_refresh_log_end_after_start" {
    expr = "refresh_end >= refresh_start"
  }
  check "materialized_view_refresh_log_end_iff_finished" {
    expr = "(status = 'running') = (refresh_end IS NULL)"
  }
  check "materialized_view_refresh_log_row_count_not_negative" {
    expr = "row_count >= 0"
  }
}

// ---------------------------------------------------------------------------------------------------------
// §1 The materialized view. Deviations from the spec's SQL:
// - weeks are Sunday-Saturday: period_start = start_date - dow (corrections #9), not date_trunc('week');
// - months hold the weeks that start in them (corrections #11): a month or quarter sums the report totals of
//   its weeks (sqp.segment_sums_recompute), so the base rows are never scanned twice as the spec does;
// - the view reads sqp.segment_sums: one row per segment with its sums and rates, kept exact by triggers from
//   sqp.report_totals (one narrow row per report, itself kept exact from the query rows), so its query is a
//   read of 251k rows at scale 10 instead of grouping 201k report totals (2.0M query rows before those);
// - the rows come out sorted by the unique key (the table's primary key, read in its order), which with the
//   key columns first is the order of their whole-row images when the database's collation sorts ASINs,
//   marketplace codes and segment types as their bytes (C, C.UTF-8, and the common locales do for upper-case
//   letters and digits): REFRESH ... CONCURRENTLY's duplicate check sorts the new rows by that image (twice),
//   and PostgreSQL's sort recognises sorted input in one pass (docs/performance.md). In another order the
//   check is only slower, never different;
// - shares, CTR, CVR are ratios of sums (corrections #13) and NULL, not 0, when the denominator is 0;
// - only active mappings of active brands;
// - no last_refreshed column: a per-row CURRENT_TIMESTAMP made every concurrent refresh rewrite every row.
//   brand_product_segments_last_refreshed() returns the end of the last successful refresh instead;
// - purchase_price_amount and priced_purchases are added so a date range can be re-aggregated exactly;
// - every value is deterministic, so REFRESH ... CONCURRENTLY rewrites only the rows whose data changed;
// - a marketplace column, part of the unique key (corrections #15): every segment is one marketplace's.
// A weekly row is exactly one report: the unique (asin, marketplace, start_date, end_date) key and the Sunday
// and 7-day checks of sqp.asin_performance_data allow one report per ASIN, marketplace and week.
// ---------------------------------------------------------------------------------------------------------

materialized "brand_product_segments" {
  schema  = schema.public
  comment = "Pre-aggregated weekly, monthly and quarterly performance segments for brand products (active ASIN mappings of active brands), per Amazon marketplace. Optimizes expandable date segment queries by eliminating the need for real-time aggregations over the SQP rows. Weeks run Sunday-Saturday (Amazon reporting weeks); a month or quarter holds the weeks that start in it. Refresh with CALL public.refresh_brand_product_segments(); the time of the last refresh is public.brand_product_segments_last_refreshed()."
  column "brand_id" {
    type = uuid
    null = true
  }
  column "marketplace" {
    type    = text
    null    = true
    comment = "Amazon marketplace (country code) of the segment's reports (corrections #15): segments of different marketplaces are never summed together, their prices are in different currencies."
  }
  column "asin" {
    type = varchar(20)
    null = true
  }
  column "segment_type" {
    type    = text
    null    = true
    comment = "Segment granularity: weekly (Sunday-Saturday, Amazon reporting weeks), monthly (1st-last day of the calendar month, holding the weeks that start in that month: a week that crosses a month end counts wholly in the month it starts in) or quarterly (the calendar quarter, holding the weeks that start in it, 12 to 14)."
  }
  column "period_start" {
    type    = date
    null    = true
    comment = "Sunday of the week, or the 1st of the month or quarter."
  }
  column "period_end" {
    type    = date
    null    = true
    comment = "Saturday of the week (period_start + 6), or the last day of the month or quarter."
  }
  column "total_impressions" {
    type    = bigint
    null    = true
    comment = "Market total impressions of the segment's search queries: the impression share denominator, never shown as impressions."
  }
  column "asin_impressions" {
    type = bigint
    null = true
  }
  column "total_clicks" {
    type = bigint
    null = true
  }
  column "asin_clicks" {
    type = bigint
    null = true
  }
  column "total_cart_adds" {
    type = bigint
    null = true
  }
  column "asin_cart_adds" {
    type = bigint
    null = true
  }
  column "total_purchases" {
    type = bigint
    null = true
  }
  column "asin_purchases" {
    type = bigint
    null = true
  }
  column "impression_share_pct" {
    type    = numeric
    null    = true
    comment = "100 x asin_impressions / total_impressions, 2 decimals; NULL when total_impressions is 0."
  }
  column "click_share_pct" {
    type    = numeric
    null    = true
    comment = "100 x asin_clicks / total_clicks, 2 decimals; NULL when total_clicks is 0."
  }
  column "cart_add_share_pct" {
    type    = numeric
    null    = true
    comment = "100 x asin_cart_adds / total_cart_adds, 2 decimals; NULL when total_cart_adds is 0."
  }
  column "purchase_share_pct" {
    type    = numeric
    null    = true
    comment = "100 x asin_purchases / total_purchases, 2 decimals; NULL when total_purchases is 0."
  }
  column "ctr_pct" {
    type    = numeric
    null    = true
    comment = "Click-through rate: 100 x asin_clicks / asin_impressions, 2 decimals; NULL when asin_impressions is 0."
  }
  column "cvr_pct" {
    type    = numeric
    null    = true
    comment = "Conversion rate: 100 x asin_purchases / asin_clicks, 2 decimals; NULL when asin_clicks is 0."
  }
  column "avg_purchase_price" {
    type    = numeric
    null    = true
    comment = "Avg. median purchase price (corrections #12): purchase_price_amount / priced_purchases, 2 decimals; NULL when no purchase has a price."
  }
  column "data_points_count" {
    type    = integer
    null    = true
    comment = "Number of underlying asin_performance_data records (weekly reports) that contributed to this segment aggregation."
  }
  column "earliest_date" {
    type    = date
    null    = true
    comment = "First day of the earliest contributing report."
  }
  column "latest_date" {
    type    = date
    null    = true
    comment = "Last day of the latest contributing report (for a month or quarter, it can fall in the next one)."
  }
  column "purchase_price_amount" {
    type    = numeric
    null    = true
    comment = "Sum of asin_median_purchase_price x asin_purchase_count over the query rows that have a price: re-aggregate a range as sum(purchase_price_amount) / sum(priced_purchases)."
  }
  column "priced_purchases" {
    type    = bigint
    null    = true
    comment = "Sum of asin_purchase_count over the query rows that have a price."
  }
  as = <<-SQL
    SELECT s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start, s.period_end,
           s.total_impressions, s.asin_impressions, s.total_clicks, s.asin_clicks,
           s.total_cart_adds, s.asin_cart_adds, s.total_purchases, s.asin_purchases,
           s.impression_share_pct, s.click_share_pct, s.cart_add_share_pct, s.purchase_share_pct,
           s.ctr_pct, s.cvr_pct, s.avg_purchase_price,
           s.data_points_count, s.earliest_date, s.latest_date, s.purchase_price_amount, s.priced_purchases
      FROM sqp.segment_sums s
     ORDER BY s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start
  SQL
  // §1's lookup index, made UNIQUE without WHERE: REFRESH ... CONCURRENTLY needs it (corrections #5). The
  // marketplace joins the key (corrections #15), second so that a brand's reads in one marketplace use it.
  index "idx_brand_product_segments_lookup" {
    unique  = true
    columns = [column.brand_id, column.marketplace, column.asin, column.segment_type, column.period_start]
  }
  index "idx_brand_product_segments_period" {
    columns = [column.period_start, column.period_end]
  }
  index "idx_brand_product_segments_brand" {
    columns = [column.brand_id]
  }
  index "idx_brand_product_segments_asin" {
    columns = [column.asin]
  }
  index "idx_brand_product_segments_performance" {
    on {
      column = column.asin_impressions
      desc   = true
    }
    on {
      column = column.asin_purchases
      desc   = true
    }
  }
  index "idx_brand_product_segments_dates" {
    columns = [column.earliest_date, column.latest_date]
  }
  // §4. idx_segments_recent_data is left out: its predicate uses CURRENT_DATE, which PostgreSQL refuses in an
  // index (corrections #3); (brand_id, asin, segment_type, period_start) serves recent-first reads.
  index "idx_segments_brand_asin_type_period" {
    columns = [column.brand_id, column.marketplace, column.asin, column.segment_type, column.period_start, column.period_end]
    where   = "asin_impressions > 0"
  }
  index "idx_segments_date_range" {
    columns = [column.period_start, column.period_end]
    include = [column.brand_id, column.asin, column.segment_type, column.asin_impressions]
  }
  index "idx_segments_performance_ranking" {
    on {
      column = column.brand_id
    }
    on {
      column = column.segment_type
    }
    on {
      column = column.asin_impressions
      desc   = true
    }
    on {
      column = column.asin_purchases
      desc   = true
    }
    where = "asin_impressions > 0"
  }
  index "idx_segments_asin_gin" {
    type = GIN
    on {
      expr = "(ARRAY[asin])"
    }
  }
  depends_on = [table.segment_sums]
}

// ---------------------------------------------------------------------------------------------------------
// Brand-level tables (corrections #14, issue 13): brand_marketplace_segments and brand_query_weeks. They are
// our own (not in the spec), so they are plain tables that the refresh maintains for what changed instead of
// materialized views recomputed whole (a REFRESH ... CONCURRENTLY of brand_query_weeks re-aggregated 2 million
// rows, 30-40 s at scale 10, for one changed week). Each has a view holding its definition
// (brand_query_weeks_build, brand_marketplace_segments_build): the tables always hold exactly what the views
// return, as of the last refresh.
// - Statement-level triggers with transition tables (record_brand_slices_of_*) write the (brand,
//   marketplace, week) slices a statement changed into brand_slice_changes: changed query rows and reports
//   mark their week; a mapping moved, activated or deactivated marks that ASIN's weeks under its old and new
//   brand; a brand activated or deactivated marks all of its weeks; a TRUNCATE marks everything.
// - brand_level_refresh() (called by brand_product_segments_refresh_run, in the refresh's transaction)
//   takes the recorded slices, rebuilds their rows from the base rows into a stage table, and writes only
//   the rows that differ: a slice with no real change rewrites nothing. brand_marketplace_segments' weeks
//   are re-derived for the changed slices, its months and quarters for the periods holding them. With
//   p_all (a forced refresh, a TRUNCATE, the first fill) every slice is rebuilt, still writing only what differs.
// - `schema apply` fills the tables in its transaction when it creates them (internal/schema/backfill.go).
// ---------------------------------------------------------------------------------------------------------

// The currency of each marketplace's prices, as internal/sqp/marketplace.go lists them (a test compares the
// two): the brand-level price sums take only prices in their marketplace's currency, as the product page's
// (postgres.ProductMarket) do. The importer refuses any other, so this only keeps a stray one from being
// averaged in. A marketplace missing here has no prices in the brand-level figures.
view "marketplace_currencies" {
  schema  = schema.public
  comment = "The ISO 4217 currency of each Amazon marketplace's prices (EU: the euro reports stored before marketplaces were recorded). Brand-level price sums count only prices in their marketplace's currency."
  column "marketplace" {
    type = text
  }
  column "currency" {
    type = character(3)
  }
  as = <<-SQL
    SELECT c.marketplace, c.currency::character(3) AS currency
      FROM (VALUES ('US', 'USD'), ('CA', 'CAD'), ('MX', 'MXN'), ('BR', 'BRL'), ('UK', 'GBP'), ('DE', 'EUR'),
                   ('FR', 'EUR'), ('IT', 'EUR'), ('ES', 'EUR'), ('NL', 'EUR'), ('BE', 'EUR'), ('IE', 'EUR'),
                   ('SE', 'SEK'), ('PL', 'PLN'), ('TR', 'TRY'), ('AE', 'AED'), ('SA', 'SAR'), ('EG', 'EGP'),
                   ('ZA', 'ZAR'), ('IN', 'INR'), ('JP', 'JPY'), ('AU', 'AUD'), ('SG', 'SGD'), ('EU', 'EUR'))
           AS c (marketplace, currency)
  SQL
}

// issue 13: the brand's search queries (the query view, the query page, the ASIN expansion). One row per
// brand, marketplace, search query and week, built like brand_marketplace_segments' per-query step (corrections
// #14): the brand's counts are the sum over its ASINs, the query's market figures (totals, Search Query Volume,
// market median prices, shipping-speed counts) are the same on every ASIN's row and are counted once (the
// largest, should reports of one query-week disagree), the Search Query Score is the best (lowest). Brand
// median prices cannot be summed: each step keeps the sum of the ASINs' median price x the step's ASIN count
// over the rows with a price, and the count behind it, so a range re-aggregates to the count-weighted mean of
// the medians (internal/metrics/price.go). Only prices in the marketplace's currency count
// (marketplace_currencies; a price without a currency is taken as the marketplace's). Only counts and amounts: shares and rates are computed when read.
view "brand_query_weeks_build" {
  schema  = schema.public
  comment = "The definition of the table brand_query_weeks, which the refresh keeps equal to it (brand_level_refresh): one row per brand, marketplace, search query and week. Reads every base row: select from it only for a few brands and weeks (the columns brand_id, marketplace and week_start are pushed down into it)."
  as = <<-SQL
    SELECT m.brand_id,
           r.marketplace,
           q.search_query,
           r.start_date AS week_start, -- a Sunday (asin_performance_data_week_starts_on_sunday)
           (max(q.currency_code) FILTER (WHERE (q.currency_code IS NULL OR q.currency_code = c.currency)))::character(3) AS currency_code,
           max(q.search_query_volume) AS search_query_volume,
           min(q.search_query_score) AS search_query_score,
           max(q.total_query_impression_count) AS total_impressions,
           max(q.total_click_count) AS total_clicks,
           max(q.total_cart_add_count) AS total_cart_adds,
           max(q.total_purchase_count) AS total_purchases,
           sum(q.asin_impression_count)::bigint AS asin_impressions,
           sum(q.asin_click_count)::bigint AS asin_clicks,
           sum(q.asin_cart_add_count)::bigint AS asin_cart_adds,
           sum(q.asin_purchase_count)::bigint AS asin_purchases,
           count(*)::integer AS asin_count,
           max(q.total_median_click_price) FILTER (WHERE (q.currency_code IS NULL OR q.currency_code = c.currency)) AS total_median_click_price,
           max(q.total_median_cart_add_price) FILTER (WHERE (q.currency_code IS NULL OR q.currency_code = c.currency)) AS total_median_cart_add_price,
           max(q.total_median_purchase_price) FILTER (WHERE (q.currency_code IS NULL OR q.currency_code = c.currency)) AS total_median_purchase_price,
           coalesce(sum(q.asin_median_click_price * q.asin_click_count) FILTER (WHERE (q.currency_code IS NULL OR q.currency_code = c.currency)), 0) AS click_price_amount,
           coalesce(sum(q.asin_click_count) FILTER (WHERE q.asin_median_click_price IS NOT NULL AND (q.currency_code IS NULL OR q.currency_code = c.currency)), 0)::bigint AS priced_clicks,
           coalesce(sum(q.asin_median_cart_add_price * q.asin_cart_add_count) FILTER (WHERE (q.currency_code IS NULL OR q.currency_code = c.currency)), 0) AS cart_add_price_amount,
           coalesce(sum(q.asin_cart_add_count) FILTER (WHERE q.asin_median_cart_add_price IS NOT NULL AND (q.currency_code IS NULL OR q.currency_code = c.currency)), 0)::bigint AS priced_cart_adds,
           coalesce(sum(q.asin_median_purchase_price * q.asin_purchase_count) FILTER (WHERE (q.currency_code IS NULL OR q.currency_code = c.currency)), 0) AS purchase_price_amount,
           coalesce(sum(q.asin_purchase_count) FILTER (WHERE q.asin_median_purchase_price IS NOT NULL AND (q.currency_code IS NULL OR q.currency_code = c.currency)), 0)::bigint AS priced_purchases,
           max(q.total_same_day_shipping_click_count) AS same_day_clicks,
           max(q.total_one_day_shipping_click_count) AS one_day_clicks,
           max(q.total_two_day_shipping_click_count) AS two_day_clicks,
           max(q.total_same_day_shipping_cart_add_count) AS same_day_cart_adds,
           max(q.total_one_day_shipping_cart_add_count) AS one_day_cart_adds,
           max(q.total_two_day_shipping_cart_add_count) AS two_day_cart_adds,
           max(q.total_same_day_shipping_purchase_count) AS same_day_purchases,
           max(q.total_one_day_shipping_purchase_count) AS one_day_purchases,
           max(q.total_two_day_shipping_purchase_count) AS two_day_purchases
      FROM sqp.search_query_performance q
      JOIN sqp.asin_performance_data r ON r.id = q.asin_performance_id
      LEFT JOIN public.marketplace_currencies c ON c.marketplace = r.marketplace
      JOIN public.asin_brand_mapping m ON m.asin = r.asin AND m.is_active
      JOIN public.brands b ON b.id = m.brand_id AND b.is_active
     GROUP BY m.brand_id, r.marketplace, q.search_query, r.start_date
  SQL
  depends_on = [view.marketplace_currencies, table.search_query_performance, table.asin_performance_data, table.asin_brand_mapping, table.brands]
}

table "brand_query_weeks" {
  schema  = schema.public
  comment = "One row per brand, marketplace, search query and week (Sunday start; active mappings of active brands): the brand's ASIN counts summed, the query's market totals, Search Query Volume, market median prices and shipping-speed counts counted once, the best Search Query Score, and the brand's price amounts for count-weighted median prices (prices in the marketplace's currency only). Exactly the rows of the view brand_query_weeks_build as of the last refresh, which maintains it for the slices that changed (brand_level_refresh)."
  column "brand_id" {
    type = uuid
  }
  column "marketplace" {
    type = text
  }
  column "search_query" {
    type = text
  }
  column "week_start" {
    type = date
    comment = "Sunday of the reporting week."
  }
  column "currency_code" {
    type = char(3)
    null = true
    comment = "Currency of the prices (the marketplace's)."
  }
  column "search_query_volume" {
    type = bigint
    null = true
    comment = "Search Query Volume of the query in the week, counted once (never summed over ASINs)."
  }
  column "search_query_score" {
    type = integer
    null = true
    comment = "Best (lowest) Search Query Score reported for the query in the week."
  }
  column "total_impressions" {
    type = bigint
    null = true
    comment = "Market impressions of the query in the week, counted once."
  }
  column "total_clicks" {
    type = bigint
    null = true
  }
  column "total_cart_adds" {
    type = bigint
    null = true
  }
  column "total_purchases" {
    type = bigint
    null = true
  }
  column "asin_impressions" {
    type = bigint
    null = true
    comment = "The brand's impressions: the sum over its ASINs reporting the query."
  }
  column "asin_clicks" {
    type = bigint
    null = true
  }
  column "asin_cart_adds" {
    type = bigint
    null = true
  }
  column "asin_purchases" {
    type = bigint
    null = true
  }
  column "asin_count" {
    type = integer
    null = true
    comment = "Number of the brand's ASINs reporting the query in the week."
  }
  column "total_median_click_price" {
    type = numeric(12, 2)
    null = true
    comment = "The market's median click price of the query in the week."
  }
  column "total_median_cart_add_price" {
    type = numeric(12, 2)
    null = true
  }
  column "total_median_purchase_price" {
    type = numeric(12, 2)
    null = true
  }
  column "click_price_amount" {
    type = numeric
    null = true
    comment = "Sum of asin_median_click_price x asin_click_count over the brand's rows with a click price; / priced_clicks = the brand's count-weighted median click price."
  }
  column "priced_clicks" {
    type = bigint
    null = true
  }
  column "cart_add_price_amount" {
    type = numeric
    null = true
  }
  column "priced_cart_adds" {
    type = bigint
    null = true
  }
  column "purchase_price_amount" {
    type = numeric
    null = true
  }
  column "priced_purchases" {
    type = bigint
    null = true
  }
  column "same_day_clicks" {
    type = bigint
    null = true
    comment = "Market clicks with same-day shipping speed; NULL when not reported."
  }
  column "one_day_clicks" {
    type = bigint
    null = true
  }
  column "two_day_clicks" {
    type = bigint
    null = true
  }
  column "same_day_cart_adds" {
    type = bigint
    null = true
  }
  column "one_day_cart_adds" {
    type = bigint
    null = true
  }
  column "two_day_cart_adds" {
    type = bigint
    null = true
  }
  column "same_day_purchases" {
    type = bigint
    null = true
  }
  column "one_day_purchases" {
    type = bigint
    null = true
  }
  column "two_day_purchases" {
    type = bigint
    null = true
  }
  // The reads of one query of a brand (the query page, the expansion to the brand's ASINs); also the key the
  // refresh writes by.
  index "idx_brand_query_weeks_key" {
    unique  = true
    columns = [column.brand_id, column.marketplace, column.search_query, column.week_start]
  }
  // The query view: a brand's queries over a range of weeks; also the refresh's reads of a changed slice. A
  // fill writes the rows in (brand, marketplace, week, query) order, so that a brand's weeks lie on few pages
  // (13 weeks of the largest brand at scale 10: backend CPU 27 -> 20 ms); a refresh appends a new week's rows.
  index "idx_brand_query_weeks_range" {
    columns = [column.brand_id, column.marketplace, column.week_start]
  }
}

// Work space of brand_level_refresh: the rebuilt rows of the changed slices, compared with the table's before
// anything is written. Empty outside a refresh (emptied before it commits).
table "brand_query_weeks_stage" {
  schema  = schema.public
  comment = "Work table of brand_level_refresh(): rebuilt rows of brand_query_weeks for the slices being refreshed, same columns in the same order. Empty between refreshes."
  column "brand_id" {
    type = uuid
  }
  column "marketplace" {
    type = text
  }
  column "search_query" {
    type = text
  }
  column "week_start" {
    type = date
  }
  column "currency_code" {
    type = char(3)
    null = true
  }
  column "search_query_volume" {
    type = bigint
    null = true
  }
  column "search_query_score" {
    type = integer
    null = true
  }
  column "total_impressions" {
    type = bigint
    null = true
  }
  column "total_clicks" {
    type = bigint
    null = true
  }
  column "total_cart_adds" {
    type = bigint
    null = true
  }
  column "total_purchases" {
    type = bigint
    null = true
  }
  column "asin_impressions" {
    type = bigint
    null = true
  }
  column "asin_clicks" {
    type = bigint
    null = true
  }
  column "asin_cart_adds" {
    type = bigint
    null = true
  }
  column "asin_purchases" {
    type = bigint
    null = true
  }
  column "asin_count" {
    type = integer
    null = true
  }
  column "total_median_click_price" {
    type = numeric(12, 2)
    null = true
  }
  column "total_median_cart_add_price" {
    type = numeric(12, 2)
    null = true
  }
  column "total_median_purchase_price" {
    type = numeric(12, 2)
    null = true
  }
  column "click_price_amount" {
    type = numeric
    null = true
  }
  column "priced_clicks" {
    type = bigint
    null = true
  }
  column "cart_add_price_amount" {
    type = numeric
    null = true
  }
  column "priced_cart_adds" {
    type = bigint
    null = true
  }
  column "purchase_price_amount" {
    type = numeric
    null = true
  }
  column "priced_purchases" {
    type = bigint
    null = true
  }
  column "same_day_clicks" {
    type = bigint
    null = true
  }
  column "one_day_clicks" {
    type = bigint
    null = true
  }
  column "two_day_clicks" {
    type = bigint
    null = true
  }
  column "same_day_cart_adds" {
    type = bigint
    null = true
  }
  column "one_day_cart_adds" {
    type = bigint
    null = true
  }
  column "two_day_cart_adds" {
    type = bigint
    null = true
  }
  column "same_day_purchases" {
    type = bigint
    null = true
  }
  column "one_day_purchases" {
    type = bigint
    null = true
  }
  column "two_day_purchases" {
    type = bigint
    null = true
  }
}

// corrections #14: brand-level figures count each query's market total once. A query's market total is
// the same number on every ASIN row of that query and week, so summing brand_product_segments over a brand's
// ASINs counts the market once per ASIN that reports the query, and the brand's shares come out too low. This
// is the brand-level source (the KPI cards, brand_performance_enhanced): for each brand, marketplace, week and
// search query, the brand's counts are the sum over its ASINs and the market totals (and Search Query Volume)
// are counted once (the largest, should reports of one query-week ever disagree): exactly the rows of
// brand_query_weeks; a week sums its queries and a month or quarter the weeks that start in it.
// The one definition of brand_marketplace_segments' rows, for a set of (brand, marketplace, week) slices given
// as three arrays of equal length: the view brand_marketplace_segments_build passes every slice (through
// brand_marketplace_segments_of), the refresh (brand_level_refresh) the changed ones, whose months and quarters
// it sums with the unchanged weeks as the table holds them (rebuilding every week of a changed quarter cost
// 0.47 s of CPU for one week at scale 10). Each slice is read through the indexes (brand_query_weeks' range
// index, the reports of the brand's ASINs, the table's key): OFFSET 0 keeps PostgreSQL from flattening the
// LATERAL subqueries into joins that read every row first.
function "brand_marketplace_segments_from" {
  schema = schema.public
  lang   = SQL
  arg "p_brand_ids" {
    type = sql("uuid[]")
  }
  arg "p_marketplaces" {
    type = sql("text[]")
  }
  arg "p_weeks" {
    type = sql("date[]")
  }
  arg "p_other_weeks_from_table" {
    type = boolean
  }
  return_table {
    column "brand_id" {
      type = uuid
    }
    column "marketplace" {
      type = text
    }
    column "segment_type" {
      type = text
    }
    column "period_start" {
      type = date
    }
    column "period_end" {
      type = date
    }
    column "total_impressions" {
      type = bigint
    }
    column "asin_impressions" {
      type = bigint
    }
    column "total_clicks" {
      type = bigint
    }
    column "asin_clicks" {
      type = bigint
    }
    column "total_cart_adds" {
      type = bigint
    }
    column "asin_cart_adds" {
      type = bigint
    }
    column "total_purchases" {
      type = bigint
    }
    column "asin_purchases" {
      type = bigint
    }
    column "search_query_volume" {
      type = bigint
    }
    column "impression_share_pct" {
      type = numeric
    }
    column "click_share_pct" {
      type = numeric
    }
    column "cart_add_share_pct" {
      type = numeric
    }
    column "purchase_share_pct" {
      type = numeric
    }
    column "ctr_pct" {
      type = numeric
    }
    column "cvr_pct" {
      type = numeric
    }
    column "avg_purchase_price" {
      type = numeric
    }
    column "purchase_price_amount" {
      type = numeric
    }
    column "priced_purchases" {
      type = bigint
    }
    column "query_weeks" {
      type = bigint
    }
    column "shared_query_weeks" {
      type = bigint
    }
    column "data_points_count" {
      type = integer
    }
    column "weeks_with_data" {
      type = integer
    }
  }
  volatility = STABLE
  comment    = "The rows of brand_marketplace_segments for the (brand, marketplace, week) slices given as three parallel arrays: the slices' weekly segments, built from brand_query_weeks and the reports, and the monthly and quarterly segments holding their weeks, summed from the weekly segments of the weeks that start in them: the slices' and, with p_other_weeks_from_table, the other weeks' as the table brand_marketplace_segments holds them (brand_level_refresh, which rebuilds the changed slices only); without it, every week must be a slice (brand_marketplace_segments_of, the view brand_marketplace_segments_build)."
  as         = <<-SQL
    WITH slices AS (
      SELECT DISTINCT x.brand_id, x.marketplace, x.week_start
        FROM unnest(p_brand_ids, p_marketplaces, p_weeks) AS x(brand_id, marketplace, week_start)
       WHERE x.brand_id IS NOT NULL
    ),
    touched AS (
      -- The quarters holding the slices' weeks: their weeks make the slices' months and quarters.
      SELECT DISTINCT x.brand_id, x.marketplace, date_trunc('quarter', x.week_start::timestamp)::date AS q_start,
             (date_trunc('quarter', x.week_start::timestamp) + interval '3 months')::date AS q_end
        FROM slices x
    ),
    wanted AS (
      -- The slices' weeks and the months and quarters holding them: the rows returned.
      SELECT DISTINCT x.brand_id, x.marketplace, g.segment_type,
             CASE g.segment_type WHEN 'weekly' THEN x.week_start
                  ELSE date_trunc(g.unit, x.week_start::timestamp)::date END AS period_start
        FROM slices x
       CROSS JOIN (VALUES ('weekly'::text, 'week'::text), ('monthly', 'month'), ('quarterly', 'quarter')) AS g(segment_type, unit)
    ),
    per_query AS (
      SELECT w.brand_id, w.marketplace, w.week_start AS period_start, w.search_query, w.search_query_volume,
             w.total_impressions, w.asin_impressions, w.total_clicks, w.asin_clicks,
             w.total_cart_adds, w.asin_cart_adds, w.total_purchases, w.asin_purchases,
             w.purchase_price_amount, w.priced_purchases, w.asin_count AS asin_rows
        FROM slices s
       CROSS JOIN LATERAL (SELECT x.* FROM public.brand_query_weeks x
                            WHERE x.brand_id = s.brand_id AND x.marketplace = s.marketplace
                              AND x.week_start = s.week_start
                           OFFSET 0) w
    ),
    reports AS (
      SELECT m.brand_id, r.marketplace, r.start_date - extract(dow FROM r.start_date)::integer AS period_start,
             count(*) AS data_points_count
        FROM slices s
        JOIN public.asin_brand_mapping m ON m.brand_id = s.brand_id AND m.is_active
        JOIN public.brands b ON b.id = m.brand_id AND b.is_active
       CROSS JOIN LATERAL (SELECT x.* FROM sqp.asin_performance_data x
                            WHERE x.asin = m.asin AND x.marketplace = s.marketplace
                              AND x.start_date >= s.week_start AND x.start_date < s.week_start + 7
                           OFFSET 0) r
       WHERE r.start_date - extract(dow FROM r.start_date)::integer = s.week_start
         AND EXISTS (SELECT 1 FROM sqp.search_query_performance q WHERE q.asin_performance_id = r.id)
       GROUP BY m.brand_id, r.marketplace, 3
    ),
    weekly AS (
      SELECT p.brand_id, p.marketplace, p.period_start,
             sum(p.total_impressions)::bigint AS total_impressions, sum(p.asin_impressions)::bigint AS asin_impressions,
             sum(p.total_clicks)::bigint AS total_clicks, sum(p.asin_clicks)::bigint AS asin_clicks,
             sum(p.total_cart_adds)::bigint AS total_cart_adds, sum(p.asin_cart_adds)::bigint AS asin_cart_adds,
             sum(p.total_purchases)::bigint AS total_purchases, sum(p.asin_purchases)::bigint AS asin_purchases,
             sum(p.search_query_volume)::bigint AS search_query_volume,
             sum(p.purchase_price_amount)::numeric AS purchase_price_amount,
             sum(p.priced_purchases)::bigint AS priced_purchases,
             count(*)::bigint AS query_weeks,
             (count(*) FILTER (WHERE p.asin_rows > 1))::bigint AS shared_query_weeks
        FROM per_query p
       GROUP BY p.brand_id, p.marketplace, p.period_start
    ),
    weeks AS (
      -- The slices' weekly segments.
      SELECT w.brand_id, w.marketplace, w.period_start,
             w.total_impressions, w.asin_impressions, w.total_clicks, w.asin_clicks, w.total_cart_adds, w.asin_cart_adds,
             w.total_purchases, w.asin_purchases, w.search_query_volume, w.purchase_price_amount, w.priced_purchases,
             w.query_weeks, w.shared_query_weeks, r.data_points_count::integer AS data_points_count
        FROM weekly w
        JOIN reports r ON r.brand_id = w.brand_id AND r.marketplace = w.marketplace AND r.period_start = w.period_start
      UNION ALL
      -- The other weeks of their quarters, as the table holds them (the refresh: they did not change).
      SELECT g.brand_id, g.marketplace, g.period_start,
             g.total_impressions, g.asin_impressions, g.total_clicks, g.asin_clicks, g.total_cart_adds, g.asin_cart_adds,
             g.total_purchases, g.asin_purchases, g.search_query_volume, g.purchase_price_amount, g.priced_purchases,
             g.query_weeks, g.shared_query_weeks, g.data_points_count
        FROM touched t
       CROSS JOIN LATERAL (SELECT x.* FROM public.brand_marketplace_segments x
                            WHERE x.brand_id = t.brand_id AND x.marketplace = t.marketplace AND x.segment_type = 'weekly'
                              AND x.period_start >= t.q_start AND x.period_start < t.q_end
                           OFFSET 0) g
       WHERE p_other_weeks_from_table
         AND NOT EXISTS (SELECT 1 FROM slices s
                          WHERE s.brand_id = g.brand_id AND s.marketplace = g.marketplace AND s.week_start = g.period_start)
    ),
    segments AS (
      SELECT w.brand_id, w.marketplace, 'weekly'::text AS segment_type, w.period_start, w.period_start + 6 AS period_end,
             w.total_impressions, w.asin_impressions, w.total_clicks, w.asin_clicks, w.total_cart_adds, w.asin_cart_adds,
             w.total_purchases, w.asin_purchases, w.search_query_volume, w.purchase_price_amount, w.priced_purchases,
             w.query_weeks, w.shared_query_weeks, w.data_points_count, 1 AS weeks_with_data
        FROM weeks w
      UNION ALL
      -- Months and quarters: the weeks that start in the calendar month or quarter.
      SELECT w.brand_id, w.marketplace, g.segment_type,
             date_trunc(g.unit, w.period_start::timestamp)::date,
             (date_trunc(g.unit, w.period_start::timestamp) + g.span - interval '1 day')::date,
             sum(w.total_impressions)::bigint, sum(w.asin_impressions)::bigint,
             sum(w.total_clicks)::bigint, sum(w.asin_clicks)::bigint,
             sum(w.total_cart_adds)::bigint, sum(w.asin_cart_adds)::bigint,
             sum(w.total_purchases)::bigint, sum(w.asin_purchases)::bigint,
             sum(w.search_query_volume)::bigint, sum(w.purchase_price_amount), sum(w.priced_purchases)::bigint,
             sum(w.query_weeks)::bigint, sum(w.shared_query_weeks)::bigint,
             sum(w.data_points_count)::integer, count(*)::integer
        FROM weeks w
       CROSS JOIN (VALUES ('monthly'::text, 'month'::text, interval '1 month'),
                          ('quarterly', 'quarter', interval '3 months')) AS g(segment_type, unit, span)
       GROUP BY w.brand_id, w.marketplace, 3, 4, 5
    )
    SELECT s.brand_id,
           s.marketplace,
           s.segment_type,
           s.period_start,
           s.period_end,
           s.total_impressions,
           s.asin_impressions,
           s.total_clicks,
           s.asin_clicks,
           s.total_cart_adds,
           s.asin_cart_adds,
           s.total_purchases,
           s.asin_purchases,
           s.search_query_volume,
           round(100.0 * s.asin_impressions / nullif(s.total_impressions, 0), 2) AS impression_share_pct,
           round(100.0 * s.asin_clicks / nullif(s.total_clicks, 0), 2) AS click_share_pct,
           round(100.0 * s.asin_cart_adds / nullif(s.total_cart_adds, 0), 2) AS cart_add_share_pct,
           round(100.0 * s.asin_purchases / nullif(s.total_purchases, 0), 2) AS purchase_share_pct,
           round(100.0 * s.asin_clicks / nullif(s.asin_impressions, 0), 2) AS ctr_pct,
           round(100.0 * s.asin_purchases / nullif(s.asin_clicks, 0), 2) AS cvr_pct,
           round(s.purchase_price_amount / nullif(s.priced_purchases, 0), 2) AS avg_purchase_price,
           s.purchase_price_amount,
           s.priced_purchases,
           s.query_weeks,
           s.shared_query_weeks,
           s.data_points_count,
           s.weeks_with_data
      FROM segments s
     WHERE EXISTS (SELECT 1 FROM wanted x
                    WHERE x.brand_id = s.brand_id AND x.marketplace = s.marketplace
                      AND x.segment_type = s.segment_type AND x.period_start = s.period_start)
  SQL
  depends_on = [table.brand_query_weeks, table.brand_marketplace_segments, table.search_query_performance, table.asin_performance_data, table.asin_brand_mapping, table.brands]
}

// The from-scratch build: every week of the months and quarters returned must be one of the slices.
function "brand_marketplace_segments_of" {
  schema = schema.public
  lang   = SQL
  arg "p_brand_ids" {
    type = sql("uuid[]")
  }
  arg "p_marketplaces" {
    type = sql("text[]")
  }
  arg "p_weeks" {
    type = sql("date[]")
  }
  return_table {
    column "brand_id" {
      type = uuid
    }
    column "marketplace" {
      type = text
    }
    column "segment_type" {
      type = text
    }
    column "period_start" {
      type = date
    }
    column "period_end" {
      type = date
    }
    column "total_impressions" {
      type = bigint
    }
    column "asin_impressions" {
      type = bigint
    }
    column "total_clicks" {
      type = bigint
    }
    column "asin_clicks" {
      type = bigint
    }
    column "total_cart_adds" {
      type = bigint
    }
    column "asin_cart_adds" {
      type = bigint
    }
    column "total_purchases" {
      type = bigint
    }
    column "asin_purchases" {
      type = bigint
    }
    column "search_query_volume" {
      type = bigint
    }
    column "impression_share_pct" {
      type = numeric
    }
    column "click_share_pct" {
      type = numeric
    }
    column "cart_add_share_pct" {
      type = numeric
    }
    column "purchase_share_pct" {
      type = numeric
    }
    column "ctr_pct" {
      type = numeric
    }
    column "cvr_pct" {
      type = numeric
    }
    column "avg_purchase_price" {
      type = numeric
    }
    column "purchase_price_amount" {
      type = numeric
    }
    column "priced_purchases" {
      type = bigint
    }
    column "query_weeks" {
      type = bigint
    }
    column "shared_query_weeks" {
      type = bigint
    }
    column "data_points_count" {
      type = integer
    }
    column "weeks_with_data" {
      type = integer
    }
  }
  volatility = STABLE
  comment    = "The rows of brand_marketplace_segments for the (brand, marketplace, week) slices given as three parallel arrays, built from scratch (brand_query_weeks and the reports): the slices' weekly segments and the monthly and quarterly segments holding their weeks, which must all be slices. The view brand_marketplace_segments_build passes every slice."
  as         = <<-SQL
    SELECT b.* FROM public.brand_marketplace_segments_from(p_brand_ids, p_marketplaces, p_weeks, false) b
  SQL
  depends_on = [function.brand_marketplace_segments_from]
}

view "brand_marketplace_segments_build" {
  schema  = schema.public
  comment = "The definition of the table brand_marketplace_segments, which the refresh keeps equal to it (brand_level_refresh): brand-level weekly, monthly and quarterly segments from brand_query_weeks and the reports, built by brand_marketplace_segments_of() over every (brand, marketplace, week) slice of brand_query_weeks."
  as = <<-SQL
    SELECT s.*
      FROM (SELECT array_agg(k.brand_id) AS brand_ids, array_agg(k.marketplace) AS marketplaces,
                   array_agg(k.week_start) AS weeks
              FROM (SELECT DISTINCT w.brand_id, w.marketplace, w.week_start FROM public.brand_query_weeks w) k) a
     CROSS JOIN LATERAL public.brand_marketplace_segments_of(a.brand_ids, a.marketplaces, a.weeks) s
  SQL
  depends_on = [function.brand_marketplace_segments_of, table.brand_query_weeks]
}

table "brand_marketplace_segments" {
  schema  = schema.public
  comment = "Brand-level weekly, monthly and quarterly segments per marketplace (active mappings of active brands): the brand's ASIN counts summed, each search query's market totals counted once per week (corrections #14), so brand shares are the brand's share of its queries' market. Exactly the rows of the view brand_marketplace_segments_build as of the last refresh, which maintains it for the weeks that changed and the months and quarters holding them (brand_level_refresh)."
  column "brand_id" {
    type = uuid
  }
  column "marketplace" {
    type = text
    comment = "Amazon marketplace (country code): figures of different marketplaces are never added together (corrections #15)."
  }
  column "segment_type" {
    type = text
    comment = "weekly (Sunday-Saturday), monthly or quarterly (the weeks that start in the calendar month or quarter), as in brand_product_segments."
  }
  column "period_start" {
    type = date
  }
  column "period_end" {
    type = date
  }
  column "total_impressions" {
    type = bigint
    null = true
    comment = "Market impressions of the brand's search queries, each query's market total counted once per week however many of the brand's ASINs report it (corrections #14)."
  }
  column "asin_impressions" {
    type = bigint
    null = true
    comment = "The brand's impressions: the sum over its ASINs."
  }
  column "total_clicks" {
    type = bigint
    null = true
  }
  column "asin_clicks" {
    type = bigint
    null = true
  }
  column "total_cart_adds" {
    type = bigint
    null = true
  }
  column "asin_cart_adds" {
    type = bigint
    null = true
  }
  column "total_purchases" {
    type = bigint
    null = true
  }
  column "asin_purchases" {
    type = bigint
    null = true
  }
  column "search_query_volume" {
    type = bigint
    null = true
    comment = "Search Query Volume of the brand's queries, once per query and week."
  }
  column "impression_share_pct" {
    type = numeric
    null = true
    comment = "100 x asin_impressions / total_impressions, 2 decimals; NULL when total_impressions is 0."
  }
  column "click_share_pct" {
    type = numeric
    null = true
  }
  column "cart_add_share_pct" {
    type = numeric
    null = true
  }
  column "purchase_share_pct" {
    type = numeric
    null = true
  }
  column "ctr_pct" {
    type = numeric
    null = true
  }
  column "cvr_pct" {
    type = numeric
    null = true
  }
  column "avg_purchase_price" {
    type = numeric
    null = true
    comment = "Avg. median purchase price of the brand: purchase_price_amount / priced_purchases, 2 decimals."
  }
  column "purchase_price_amount" {
    type = numeric
    null = true
  }
  column "priced_purchases" {
    type = bigint
    null = true
  }
  column "query_weeks" {
    type = bigint
    null = true
    comment = "Number of (search query, week) pairs of the brand in the segment."
  }
  column "shared_query_weeks" {
    type = bigint
    null = true
    comment = "Of those, the pairs that two or more of the brand's ASINs report: where summing per-ASIN market totals would count the market more than once."
  }
  column "data_points_count" {
    type = integer
    null = true
    comment = "Number of ASIN weekly reports (asin_performance_data rows) in the segment."
  }
  column "weeks_with_data" {
    type = integer
    null = true
    comment = "Number of weeks of the segment with data (1 for a weekly segment): a month's or quarter's week coverage."
  }
  // The reads of a brand's weeks; also the key the refresh writes by.
  index "idx_brand_marketplace_segments_key" {
    unique  = true
    columns = [column.brand_id, column.marketplace, column.segment_type, column.period_start]
  }
}

table "brand_marketplace_segments_stage" {
  schema  = schema.public
  comment = "Work table of brand_level_refresh(): rebuilt rows of brand_marketplace_segments for the periods being refreshed, same columns in the same order. Empty between refreshes."
  column "brand_id" {
    type = uuid
  }
  column "marketplace" {
    type = text
  }
  column "segment_type" {
    type = text
  }
  column "period_start" {
    type = date
  }
  column "period_end" {
    type = date
  }
  column "total_impressions" {
    type = bigint
    null = true
  }
  column "asin_impressions" {
    type = bigint
    null = true
  }
  column "total_clicks" {
    type = bigint
    null = true
  }
  column "asin_clicks" {
    type = bigint
    null = true
  }
  column "total_cart_adds" {
    type = bigint
    null = true
  }
  column "asin_cart_adds" {
    type = bigint
    null = true
  }
  column "total_purchases" {
    type = bigint
    null = true
  }
  column "asin_purchases" {
    type = bigint
    null = true
  }
  column "search_query_volume" {
    type = bigint
    null = true
  }
  column "impression_share_pct" {
    type = numeric
    null = true
  }
  column "click_share_pct" {
    type = numeric
    null = true
  }
  column "cart_add_share_pct" {
    type = numeric
    null = true
  }
  column "purchase_share_pct" {
    type = numeric
    null = true
  }
  column "ctr_pct" {
    type = numeric
    null = true
  }
  column "cvr_pct" {
    type = numeric
    null = true
  }
  column "avg_purchase_price" {
    type = numeric
    null = true
  }
  column "purchase_price_amount" {
    type = numeric
    null = true
  }
  column "priced_purchases" {
    type = bigint
    null = true
  }
  column "query_weeks" {
    type = bigint
    null = true
  }
  column "shared_query_weeks" {
    type = bigint
    null = true
  }
  column "data_points_count" {
    type = integer
    null = true
  }
  column "weeks_with_data" {
    type = integer
    null = true
  }
}

table "brand_slice_changes" {
  schema  = schema.public
  comment = "The (brand, marketplace, week) slices of brand_query_weeks and brand_marketplace_segments that changes of the base tables touched since the refresh that last took them, written by the statement triggers *_track_slices_* (record_brand_slices_of_*) and taken by brand_level_refresh(). A row with a NULL brand_id (a TRUNCATE) means every slice. Duplicates are allowed: writers never wait for each other."
  column "brand_id" {
    type    = uuid
    null    = true
    comment = "NULL: every slice (the base table was truncated)."
  }
  column "marketplace" {
    type = text
    null = true
  }
  column "week_start" {
    type    = date
    null    = true
    comment = "Sunday of the week."
  }
}

table "brand_slice_work" {
  schema  = schema.public
  comment = "Work table of brand_level_refresh(): the distinct slices the last refresh took from brand_slice_changes (a NULL brand_id: it rebuilt every slice), kept until the next one for the refresh's validation (validate_brand_segments)."
  column "brand_id" {
    type = uuid
    null = true
  }
  column "marketplace" {
    type = text
    null = true
  }
  column "week_start" {
    type = date
    null = true
  }
}

// One trigger function per base table (each is checked against its table's columns; transition tables need
// single-event triggers, see the change tracking above). They record the slices of every brand the rows map to,
// active or not: a slice recorded without need costs its rebuild, one missed would leave the tables wrong.
// Transition tables exist only for their events (new_rows: INSERT, UPDATE; old_rows: UPDATE, DELETE), hence one
// statement per event. A TRUNCATE records a row with a NULL brand_id: every slice.

function "record_brand_slices_of_queries" {
  schema   = schema.public
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of sqp.search_query_performance: records in brand_slice_changes the (brand, marketplace, week) of each report whose query rows the statement inserted, updated or deleted (every slice on TRUNCATE). SECURITY DEFINER so that writers need no right on brand_slice_changes."
  as      = <<-SQL
    DECLARE
      v_reports bigint[];
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start) VALUES (NULL, NULL, NULL);
        RETURN NULL;
      ELSIF TG_OP = 'INSERT' THEN
        v_reports := ARRAY(SELECT DISTINCT n.asin_performance_id FROM new_rows n);
      ELSIF TG_OP = 'DELETE' THEN
        v_reports := ARRAY(SELECT DISTINCT o.asin_performance_id FROM old_rows o);
      ELSE
        v_reports := ARRAY(SELECT n.asin_performance_id FROM new_rows n
                           UNION SELECT o.asin_performance_id FROM old_rows o);
      END IF;
      -- A deleted report's query rows go with it (ON DELETE CASCADE): its slice is then recorded by the
      -- report's own delete trigger, as the report is no longer found here.
      INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start)
      SELECT DISTINCT m.brand_id, r.marketplace, r.start_date - extract(dow FROM r.start_date)::integer
        FROM sqp.asin_performance_data r
        JOIN public.asin_brand_mapping m ON m.asin = r.asin
       WHERE r.id = ANY (v_reports);
      RETURN NULL;
    END;
  SQL
}

function "record_brand_slices_of_reports" {
  schema   = schema.public
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of sqp.asin_performance_data: records in brand_slice_changes the (brand, marketplace, week) of each report the statement deleted, or moved to another ASIN, marketplace or week (old and new), every slice on TRUNCATE. A new report has no query rows yet: its query rows record it. SECURITY DEFINER so that writers need no right on brand_slice_changes."
  as      = <<-SQL
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start) VALUES (NULL, NULL, NULL);
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start)
        SELECT DISTINCT m.brand_id, o.marketplace, o.start_date - extract(dow FROM o.start_date)::integer
          FROM old_rows o
          JOIN public.asin_brand_mapping m ON m.asin = o.asin;
      ELSE
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start)
        SELECT DISTINCT m.brand_id, c.marketplace, c.start_date - extract(dow FROM c.start_date)::integer
          FROM ((SELECT o.asin, o.marketplace, o.start_date FROM old_rows o
                 EXCEPT SELECT n.asin, n.marketplace, n.start_date FROM new_rows n)
                UNION ALL
                (SELECT n.asin, n.marketplace, n.start_date FROM new_rows n
                 EXCEPT SELECT o.asin, o.marketplace, o.start_date FROM old_rows o)) c
          JOIN public.asin_brand_mapping m ON m.asin = c.asin;
      END IF;
      RETURN NULL;
    END;
  SQL
}

function "record_brand_slices_of_mappings" {
  schema   = schema.public
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of asin_brand_mapping: records in brand_slice_changes every (brand, marketplace, week) of the reports of each ASIN the statement mapped, unmapped, moved to another brand or (de)activated, under its old and its new brand (a new title records nothing), every slice on TRUNCATE. SECURITY DEFINER so that writers need no right on brand_slice_changes."
  as      = <<-SQL
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start) VALUES (NULL, NULL, NULL);
      ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start)
        SELECT DISTINCT n.brand_id, r.marketplace, r.start_date - extract(dow FROM r.start_date)::integer
          FROM new_rows n
          JOIN sqp.asin_performance_data r ON r.asin = n.asin;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start)
        SELECT DISTINCT o.brand_id, r.marketplace, r.start_date - extract(dow FROM r.start_date)::integer
          FROM old_rows o
          JOIN sqp.asin_performance_data r ON r.asin = o.asin;
      ELSE
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start)
        SELECT DISTINCT c.brand_id, r.marketplace, r.start_date - extract(dow FROM r.start_date)::integer
          FROM ((SELECT o.asin, o.brand_id, o.is_active FROM old_rows o
                 EXCEPT SELECT n.asin, n.brand_id, n.is_active FROM new_rows n)
                UNION ALL
                (SELECT n.asin, n.brand_id, n.is_active FROM new_rows n
                 EXCEPT SELECT o.asin, o.brand_id, o.is_active FROM old_rows o)) c
          JOIN sqp.asin_performance_data r ON r.asin = c.asin;
      END IF;
      RETURN NULL;
    END;
  SQL
}

function "record_brand_slices_of_brands" {
  schema   = schema.public
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of brands: records in brand_slice_changes every (brand, marketplace, week) of a brand the statement activated or deactivated, every slice on TRUNCATE. A new brand has no mapping yet, and one with mappings cannot be deleted (their foreign key). SECURITY DEFINER so that writers need no right on brand_slice_changes."
  as      = <<-SQL
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start) VALUES (NULL, NULL, NULL);
      ELSE
        INSERT INTO public.brand_slice_changes (brand_id, marketplace, week_start)
        SELECT DISTINCT c.id, r.marketplace, r.start_date - extract(dow FROM r.start_date)::integer
          FROM (SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
                 WHERE n.is_active IS DISTINCT FROM o.is_active) c
          JOIN public.asin_brand_mapping m ON m.brand_id = c.id
          JOIN sqp.asin_performance_data r ON r.asin = m.asin;
      END IF;
      RETURN NULL;
    END;
  SQL
}

// Their triggers: no insert trigger on reports (a report without query rows counts nowhere) nor on brands (a
// new brand has no mapping yet), no delete trigger on brands (a brand with mappings cannot be deleted).

trigger "brands_track_slices_update" {
  on = table.brands
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.record_brand_slices_of_brands
  }
}

trigger "brands_track_slices_truncate" {
  on = table.brands
  after {
    truncate = true
  }
  execute {
    function = function.record_brand_slices_of_brands
  }
}

trigger "asin_brand_mapping_track_slices_insert" {
  on = table.asin_brand_mapping
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.record_brand_slices_of_mappings
  }
}

trigger "asin_brand_mapping_track_slices_update" {
  on = table.asin_brand_mapping
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.record_brand_slices_of_mappings
  }
}

trigger "asin_brand_mapping_track_slices_delete" {
  on = table.asin_brand_mapping
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.record_brand_slices_of_mappings
  }
}

trigger "asin_brand_mapping_track_slices_truncate" {
  on = table.asin_brand_mapping
  after {
    truncate = true
  }
  execute {
    function = function.record_brand_slices_of_mappings
  }
}

trigger "asin_performance_data_track_slices_update" {
  on = table.asin_performance_data
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.record_brand_slices_of_reports
  }
}

trigger "asin_performance_data_track_slices_delete" {
  on = table.asin_performance_data
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.record_brand_slices_of_reports
  }
}

trigger "asin_performance_data_track_slices_truncate" {
  on = table.asin_performance_data
  after {
    truncate = true
  }
  execute {
    function = function.record_brand_slices_of_reports
  }
}

trigger "search_query_performance_track_slices_insert" {
  on = table.search_query_performance
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.record_brand_slices_of_queries
  }
}

trigger "search_query_performance_track_slices_update" {
  on = table.search_query_performance
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.record_brand_slices_of_queries
  }
}

trigger "search_query_performance_track_slices_delete" {
  on = table.search_query_performance
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.record_brand_slices_of_queries
  }
}

trigger "search_query_performance_track_slices_truncate" {
  on = table.search_query_performance
  after {
    truncate = true
  }
  execute {
    function = function.record_brand_slices_of_queries
  }
}

// The maintenance of brand_query_weeks and brand_marketplace_segments (see the head of this section). The tables
// are compared with their rebuilt rows through the stage tables, read once, so that a base row changed during the
// refresh cannot make the delete and the insert disagree: its slice is recorded again and the next refresh takes it.
// The incremental statements read the views restricted to the slices: brand_query_weeks_build through a LATERAL
// filter that PostgreSQL pushes into it (OFFSET 0 keeps the subquery from being flattened into a join, which
// would aggregate every base row first), brand_marketplace_segments through brand_marketplace_segments_from(), the
// function behind brand_marketplace_segments_build, for the changed slices.
// TestBrandLevelTablesFollowChanges compares the tables with the views after changes of every kind.
function "brand_level_refresh" {
  schema = schema.public
  lang   = PLpgSQL
  arg "p_all" {
    type = boolean
  }
  return  = bigint
  comment = "Brings brand_query_weeks and brand_marketplace_segments up to date with their views (brand_query_weeks_build, brand_marketplace_segments_build): rebuilds the slices recorded in brand_slice_changes (all of them with p_all or after a TRUNCATE) and writes only the rows that differ. Returns the rows of brand_marketplace_segments. Called by brand_product_segments_refresh_run() and by schema apply when it creates the tables; one at a time (transaction-scoped advisory lock)."
  as      = <<-SQL
    DECLARE
      v_all boolean := p_all;
      v_stats_target text := pg_catalog.current_setting('default_statistics_target');
    BEGIN
      -- One run at a time: the work tables are shared.
      PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('public.brand_level_refresh', 0));
      TRUNCATE public.brand_slice_work, public.brand_query_weeks_stage, public.brand_marketplace_segments_stage;
      -- The slices recorded so far; those committed from now on stay for the next refresh.
      WITH taken AS (
        DELETE FROM public.brand_slice_changes c RETURNING c.brand_id, c.marketplace, c.week_start
      )
      INSERT INTO public.brand_slice_work (brand_id, marketplace, week_start)
      SELECT DISTINCT t.brand_id, t.marketplace, t.week_start FROM taken t;
      v_all := v_all OR EXISTS (SELECT 1 FROM public.brand_slice_work w WHERE w.brand_id IS NULL);
      IF v_all AND NOT EXISTS (SELECT 1 FROM public.brand_slice_work w WHERE w.brand_id IS NULL) THEN
        -- Every slice is rebuilt: say so to the validation (validate_brand_segments).
        INSERT INTO public.brand_slice_work (brand_id, marketplace, week_start) VALUES (NULL, NULL, NULL);
      END IF;
      IF NOT v_all AND NOT EXISTS (SELECT 1 FROM public.brand_slice_work) THEN
        RETURN (SELECT count(*) FROM public.brand_marketplace_segments);
      END IF;

      IF v_all THEN
        INSERT INTO public.brand_query_weeks_stage SELECT b.* FROM public.brand_query_weeks_build b;
        ANALYZE public.brand_query_weeks_stage;
        DELETE FROM public.brand_query_weeks t
         WHERE NOT EXISTS (SELECT 1 FROM public.brand_query_weeks_stage n
                            WHERE n.brand_id = t.brand_id AND n.marketplace = t.marketplace AND n.search_query = t.search_query AND n.week_start = t.week_start AND ROW(n.*) IS NOT DISTINCT FROM ROW(t.*));
        -- What is left is equal to its rebuilt row: insert the rest, in the order of the range index (a
        -- brand's weeks together).
        INSERT INTO public.brand_query_weeks
        SELECT n.* FROM public.brand_query_weeks_stage n
         WHERE NOT EXISTS (SELECT 1 FROM public.brand_query_weeks t WHERE n.brand_id = t.brand_id AND n.marketplace = t.marketplace AND n.search_query = t.search_query AND n.week_start = t.week_start)
         ORDER BY n.brand_id, n.marketplace, n.week_start, n.search_query;
      ELSE
        ANALYZE public.brand_slice_work;
        INSERT INTO public.brand_query_weeks_stage
        SELECT b.*
          FROM public.brand_slice_work x
         CROSS JOIN LATERAL (SELECT v.* FROM public.brand_query_weeks_build v
                              WHERE v.brand_id = x.brand_id AND v.marketplace = x.marketplace
                                AND v.week_start = x.week_start
                             OFFSET 0) b;
        -- Its statistics only plan the two hash joins below: a sample of 300 rows does (the default sample
        -- of 30,000 rows of 34 columns cost 0.17 s of CPU for one week at scale 10).
        PERFORM pg_catalog.set_config('default_statistics_target', '1', true);
        ANALYZE public.brand_query_weeks_stage;
        PERFORM pg_catalog.set_config('default_statistics_target', v_stats_target, true);
        DELETE FROM public.brand_query_weeks t
         USING public.brand_slice_work x
         WHERE t.brand_id = x.brand_id AND t.marketplace = x.marketplace AND t.week_start = x.week_start
           AND NOT EXISTS (SELECT 1 FROM public.brand_query_weeks_stage n
                            WHERE n.brand_id = t.brand_id AND n.marketplace = t.marketplace AND n.search_query = t.search_query AND n.week_start = t.week_start AND ROW(n.*) IS NOT DISTINCT FROM ROW(t.*));
        -- What is left of a changed slice is equal to its rebuilt row: insert the rest, in the order of the
        -- range index (a brand's weeks together). The keys left are read per slice through the range index
        -- and hashed: probing the key index once per rebuilt row visited each row just deleted (the insert
        -- took 0.40 s of CPU for one week at scale 10).
        INSERT INTO public.brand_query_weeks
        WITH kept AS MATERIALIZED (
          SELECT t.brand_id, t.marketplace, t.search_query, t.week_start
            FROM public.brand_slice_work x
            JOIN public.brand_query_weeks t
              ON t.brand_id = x.brand_id AND t.marketplace = x.marketplace AND t.week_start = x.week_start
        )
        SELECT n.* FROM public.brand_query_weeks_stage n
         WHERE NOT EXISTS (SELECT 1 FROM kept k
                            WHERE k.brand_id = n.brand_id AND k.marketplace = n.marketplace
                              AND k.search_query = n.search_query AND k.week_start = n.week_start)
         ORDER BY n.brand_id, n.marketplace, n.week_start, n.search_query;
      END IF;

      IF v_all THEN
        INSERT INTO public.brand_marketplace_segments_stage SELECT b.* FROM public.brand_marketplace_segments_build b;
        ANALYZE public.brand_marketplace_segments_stage;
        DELETE FROM public.brand_marketplace_segments t
         WHERE NOT EXISTS (SELECT 1 FROM public.brand_marketplace_segments_stage n
                            WHERE n.brand_id = t.brand_id AND n.marketplace = t.marketplace AND n.segment_type = t.segment_type AND n.period_start = t.period_start AND ROW(n.*) IS NOT DISTINCT FROM ROW(t.*));
      ELSE
        -- brand_marketplace_segments_build for the changed weeks and the months and quarters holding them.
        -- brand_marketplace_segments_from() for the changed weeks and the months and quarters holding them,
        -- summed with the unchanged weeks as the table holds them (read before it is written below).
        INSERT INTO public.brand_marketplace_segments_stage
        SELECT b.*
          FROM (SELECT array_agg(x.brand_id) AS brand_ids, array_agg(x.marketplace) AS marketplaces,
                       array_agg(x.week_start) AS weeks
                  FROM public.brand_slice_work x) a
         CROSS JOIN LATERAL public.brand_marketplace_segments_from(a.brand_ids, a.marketplaces, a.weeks, true) b;
        ANALYZE public.brand_marketplace_segments_stage;
        DELETE FROM public.brand_marketplace_segments t
         WHERE EXISTS (SELECT 1 FROM public.brand_slice_work x
                        WHERE x.brand_id = t.brand_id AND x.marketplace = t.marketplace
                          AND t.period_start = CASE t.segment_type WHEN 'weekly' THEN x.week_start
                                                    WHEN 'monthly' THEN date_trunc('month', x.week_start::timestamp)::date
                                                    ELSE date_trunc('quarter', x.week_start::timestamp)::date END)
           AND NOT EXISTS (SELECT 1 FROM public.brand_marketplace_segments_stage n
                            WHERE n.brand_id = t.brand_id AND n.marketplace = t.marketplace AND n.segment_type = t.segment_type AND n.period_start = t.period_start AND ROW(n.*) IS NOT DISTINCT FROM ROW(t.*));
      END IF;
      INSERT INTO public.brand_marketplace_segments
      SELECT n.* FROM public.brand_marketplace_segments_stage n
       WHERE NOT EXISTS (SELECT 1 FROM public.brand_marketplace_segments t WHERE n.brand_id = t.brand_id AND n.marketplace = t.marketplace AND n.segment_type = t.segment_type AND n.period_start = t.period_start)
       ORDER BY n.brand_id, n.marketplace, n.segment_type, n.period_start;

      -- brand_slice_work keeps the slices taken until the next refresh: the refresh procedure validates them.
      TRUNCATE public.brand_query_weeks_stage, public.brand_marketplace_segments_stage;
      RETURN (SELECT count(*) FROM public.brand_marketplace_segments);
    END;
  SQL
  depends_on = [view.brand_query_weeks_build, view.brand_marketplace_segments_build, function.brand_marketplace_segments_from, table.brand_query_weeks, table.brand_marketplace_segments, table.brand_query_weeks_stage, table.brand_marketplace_segments_stage, table.brand_slice_changes, table.brand_slice_work]
}

function "brand_product_segments_last_refreshed" {
  schema     = schema.public
  lang       = SQL
  return     = timestamptz
  volatility = STABLE
  comment    = "End time of the last successful refresh of brand_product_segments (replaces the spec's per-row last_refreshed column); NULL if there was none."
  as         = <<-SQL
    SELECT l.refresh_end
      FROM public.materialized_view_refresh_log l
     WHERE l.view_name = 'brand_product_segments'
       AND l.status = 'success'
     ORDER BY l.id DESC
     LIMIT 1
  SQL
  depends_on = [table.materialized_view_refresh_log]
}

// §2. Deviations: the index on this view is left out (a plain view cannot have one, corrections #2; a
// per-brand aggregate over the materialized view is cheap); the shares are NULL, not 0, for a zero
// denominator; the sums are bigint. Totals are summed from the monthly segments, as in the spec, so no week is
// counted twice. One row per brand and marketplace (corrections #15): totals of different marketplaces are
// never added together. The shares are the brand's share of its queries' market with each query's market
// total counted once per week (corrections #14, from brand_marketplace_segments); the spec summed the
// per-ASIN totals, counting the market once per ASIN that reports a query, which gave too low shares.
view "brand_performance_enhanced" {
  schema  = schema.public
  comment = "Per-brand and marketplace totals over brand_product_segments: ASIN counts, ASIN impressions/clicks/cart adds/purchases (from monthly segments, so no double counting), impression and purchase shares of the brand in its queries' market, each query's market total counted once per week (from brand_marketplace_segments), and the data date range."
  column "brand_id" {
    type = uuid
  }
  column "brand_name" {
    type = text
  }
  column "display_name" {
    type = text
  }
  column "marketplace" {
    type = text
  }
  column "total_asins" {
    type = bigint
  }
  column "asins_with_weekly_data" {
    type = bigint
  }
  column "asins_with_monthly_data" {
    type = bigint
  }
  column "total_impressions" {
    type = bigint
  }
  column "total_clicks" {
    type = bigint
  }
  column "total_cart_adds" {
    type = bigint
  }
  column "total_purchases" {
    type = bigint
  }
  column "avg_impression_share" {
    type = numeric
  }
  column "avg_purchase_share" {
    type = numeric
  }
  column "data_start_date" {
    type = date
  }
  column "data_end_date" {
    type = date
  }
  as         = <<-SQL
    WITH asin_stats AS (
      SELECT s.brand_id,
             s.marketplace,
             s.asin,
             bool_or(s.segment_type = 'weekly' AND s.asin_impressions > 0) AS has_weekly_data,
             bool_or(s.segment_type = 'monthly' AND s.asin_impressions > 0) AS has_monthly_data,
             sum(s.asin_impressions) FILTER (WHERE s.segment_type = 'monthly') AS asin_impressions,
             sum(s.asin_clicks) FILTER (WHERE s.segment_type = 'monthly') AS asin_clicks,
             sum(s.asin_cart_adds) FILTER (WHERE s.segment_type = 'monthly') AS asin_cart_adds,
             sum(s.asin_purchases) FILTER (WHERE s.segment_type = 'monthly') AS asin_purchases,
             min(s.earliest_date) AS first_data_date,
             max(s.latest_date) AS last_data_date
        FROM public.brand_product_segments s
       GROUP BY s.brand_id, s.marketplace, s.asin
    ),
    brand_market AS (
      -- corrections #14: the market of the brand's queries, each query's total counted once per week.
      SELECT g.brand_id, g.marketplace,
             sum(g.asin_impressions) AS asin_impressions, sum(g.total_impressions) AS market_impressions,
             sum(g.asin_purchases) AS asin_purchases, sum(g.total_purchases) AS market_purchases
        FROM public.brand_marketplace_segments g
       WHERE g.segment_type = 'monthly'
       GROUP BY g.brand_id, g.marketplace
    )
    SELECT a.brand_id,
           b.brand_name,
           b.display_name,
           a.marketplace,
           count(*) AS total_asins,
           count(*) FILTER (WHERE a.has_weekly_data) AS asins_with_weekly_data,
           count(*) FILTER (WHERE a.has_monthly_data) AS asins_with_monthly_data,
           sum(a.asin_impressions)::bigint AS total_impressions,
           sum(a.asin_clicks)::bigint AS total_clicks,
           sum(a.asin_cart_adds)::bigint AS total_cart_adds,
           sum(a.asin_purchases)::bigint AS total_purchases,
           round(100.0 * min(g.asin_impressions) / nullif(min(g.market_impressions), 0), 2) AS avg_impression_share,
           round(100.0 * min(g.asin_purchases) / nullif(min(g.market_purchases), 0), 2) AS avg_purchase_share,
           min(a.first_data_date) AS data_start_date,
           max(a.last_data_date) AS data_end_date
      FROM asin_stats a
      JOIN public.brands b ON b.id = a.brand_id
      LEFT JOIN brand_market g ON g.brand_id = a.brand_id AND g.marketplace = a.marketplace
     GROUP BY a.brand_id, b.brand_name, b.display_name, a.marketplace
  SQL
  depends_on = [materialized.brand_product_segments, table.brand_marketplace_segments, table.brands]
}

// The brand's default marketplace (corrections #15): the one with the most recent data.
function "brand_default_marketplace" {
  schema = schema.public
  lang   = SQL
  arg "p_brand_id" {
    type = uuid
  }
  return     = text
  volatility = STABLE
  comment    = "The marketplace (country code) of the brand's most recent weekly segment; on a tie, the one with more weekly segments, then the first by code. NULL when the brand has no segments. The dashboard shows this marketplace when none is chosen, and get_product_segment_metadata(uuid, date, date) answers for it."
  as         = <<-SQL
    SELECT s.marketplace
      FROM public.brand_product_segments s
     WHERE s.brand_id = p_brand_id AND s.segment_type = 'weekly'
     GROUP BY s.marketplace
     ORDER BY max(s.period_end) DESC, count(*) DESC, s.marketplace
     LIMIT 1
  SQL
  depends_on = [materialized.brand_product_segments]
}

// §3 with a marketplace (corrections #15). Deviations (corrections #4): LANGUAGE sql STABLE instead of
// plpgsql, every output cast to its declared type (the spec's SUM returned numeric for a bigint column and
// failed at call time), and total_segment_impressions sums the weekly segments only: the spec added weekly
// and monthly rows together, counting every impression twice. A name of its own rather than an overload of
// the spec's function, so that GRANT/DROP ... get_product_segment_metadata without an argument list stay
// unambiguous. A segment is in the range when the weeks it is built from are (earliest_date..latest_date,
// corrections #16): the spec's period_end <= p_date_to left out the newest month until the range passed its
// last calendar day, although all its weeks were in.
function "get_marketplace_segment_metadata" {
  schema = schema.public
  lang   = SQL
  arg "p_brand_id" {
    type = uuid
  }
  arg "p_marketplace" {
    type = text
  }
  arg "p_date_from" {
    type = date
  }
  arg "p_date_to" {
    type = date
  }
  return_table {
    column "asin" {
      type = varchar(20)
    }
    column "has_weekly_segments" {
      type = boolean
    }
    column "has_monthly_segments" {
      type = boolean
    }
    column "weekly_count" {
      type = integer
    }
    column "monthly_count" {
      type = integer
    }
    column "earliest_segment_date" {
      type = date
    }
    column "latest_segment_date" {
      type = date
    }
    column "total_segment_impressions" {
      type = bigint
    }
    column "has_quarterly_segments" {
      type = boolean
    }
    column "quarterly_count" {
      type = integer
    }
  }
  volatility = STABLE
  comment    = "Returns segment availability metadata for products within a brand, marketplace and date range (segments whose weeks lie inside it, with ASIN impressions: a month counts as soon as the weeks it is built from are in the range, corrections #16). Used by product table to show expansion indicators. total_segment_impressions sums the weekly segments only. has_quarterly_segments and quarterly_count (calendar quarters, built like months) follow the spec's columns, so that the spec's columns keep their places."
  as         = <<-SQL
    SELECT s.asin::varchar(20) AS asin,
           bool_or(s.segment_type = 'weekly')::boolean AS has_weekly_segments,
           bool_or(s.segment_type = 'monthly')::boolean AS has_monthly_segments,
           (count(*) FILTER (WHERE s.segment_type = 'weekly'))::integer AS weekly_count,
           (count(*) FILTER (WHERE s.segment_type = 'monthly'))::integer AS monthly_count,
           min(s.earliest_date)::date AS earliest_segment_date,
           max(s.latest_date)::date AS latest_segment_date,
           coalesce(sum(s.asin_impressions) FILTER (WHERE s.segment_type = 'weekly'), 0)::bigint AS total_segment_impressions,
           bool_or(s.segment_type = 'quarterly')::boolean AS has_quarterly_segments,
           (count(*) FILTER (WHERE s.segment_type = 'quarterly'))::integer AS quarterly_count
      FROM public.brand_product_segments s
     WHERE s.brand_id = p_brand_id
       AND s.marketplace = p_marketplace
       AND s.earliest_date >= p_date_from
       AND s.latest_date <= p_date_to
       AND s.asin_impressions > 0
     GROUP BY s.asin
     ORDER BY total_segment_impressions DESC, s.asin
  SQL
  depends_on = [materialized.brand_product_segments]
}

// §3 under the spec's name and signature, kept working: without a marketplace argument it answers for the
// brand's default marketplace (brand_default_marketplace: the one with the most recent data), never for
// several marketplaces at once.
function "get_product_segment_metadata" {
  schema = schema.public
  lang   = SQL
  arg "p_brand_id" {
    type = uuid
  }
  arg "p_date_from" {
    type = date
  }
  arg "p_date_to" {
    type = date
  }
  return_table {
    column "asin" {
      type = varchar(20)
    }
    column "has_weekly_segments" {
      type = boolean
    }
    column "has_monthly_segments" {
      type = boolean
    }
    column "weekly_count" {
      type = integer
    }
    column "monthly_count" {
      type = integer
    }
    column "earliest_segment_date" {
      type = date
    }
    column "latest_segment_date" {
      type = date
    }
    column "total_segment_impressions" {
      type = bigint
    }
    column "has_quarterly_segments" {
      type = boolean
    }
    column "quarterly_count" {
      type = integer
    }
  }
  volatility = STABLE
  comment    = "Returns segment availability metadata for products within a brand and date range, in the brand's default marketplace (brand_default_marketplace(p_brand_id), the one with the most recent data); get_marketplace_segment_metadata(brand, marketplace, from, to) answers for any marketplace. Used by product table to show expansion indicators. total_segment_impressions sums the weekly segments only; the quarterly columns follow the spec's."
  as         = <<-SQL
    SELECT m.*
      FROM public.get_marketplace_segment_metadata(p_brand_id, public.brand_default_marketplace(p_brand_id),
                                                   p_date_from, p_date_to) m
  SQL
  depends_on = [function.get_marketplace_segment_metadata, function.brand_default_marketplace]
}

// §5 (corrections #7): a materialized view cannot have triggers, so the spec's trigger function can never
// run. Its checks, and more, are a function returning the violations, run after each successful refresh by
// refresh_brand_product_segments(), which stores the result in the log row's validation column.
// The checks of validate_brand_product_segments, over everything (p_changed_only false) or over the
// (brand, marketplace, week) slices the last brand_level_refresh() took (brand_slice_work, kept until the next
// refresh for this): the refresh procedure validates what it rebuilt, not the whole view again (2 s of CPU at
// scale 10). Every change that can alter a segment records its slice (the triggers record_brand_slices_of_*),
// so the segments outside the slices are those the refresh found unchanged. A forced refresh, a TRUNCATE and
// the first fill take every slice: then everything is validated, as by validate_brand_product_segments().
function "validate_brand_segments" {
  schema = schema.public
  lang   = PLpgSQL
  arg "p_changed_only" {
    type = boolean
  }
  return_table {
    column "check_name" {
      type = text
    }
    column "brand_id" {
      type = uuid
    }
    column "marketplace" {
      type = text
    }
    column "asin" {
      type = varchar(20)
    }
    column "segment_type" {
      type = text
    }
    column "period_start" {
      type = date
    }
    column "detail" {
      type = text
    }
  }
  volatility = STABLE
  security   = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "The checks of validate_brand_product_segments() (see there), over every segment (p_changed_only false) or only over the (brand, marketplace, week) slices the last brand_level_refresh() rebuilt (p_changed_only; everything when it rebuilt every slice): their quarters' product and brand-level segments (the weeks, the months, the quarter), their brand query-weeks, and their weeks recomputed from the base rows (the newest week when everything is validated). The refresh procedure validates with p_changed_only. SECURITY DEFINER: it reads the base tables and the refresh's work table."
  as      = <<-SQL
    DECLARE
      v_all boolean := NOT p_changed_only;
      v_brand_ids uuid[];
      v_marketplaces text[];
      v_weeks date[];
      v_q_brand_ids uuid[];
      v_q_marketplaces text[];
      v_q_starts date[];
      v_from date;
      v_to date;
      v_base_weeks date[];
    BEGIN
      IF NOT v_all THEN
        -- A NULL brand: the refresh rebuilt every slice.
        v_all := EXISTS (SELECT 1 FROM public.brand_slice_work w WHERE w.brand_id IS NULL);
      END IF;
      IF v_all THEN
        v_base_weeks := ARRAY[(SELECT max(x.period_start) FROM public.brand_product_segments x WHERE x.segment_type = 'weekly')];
      ELSE
        SELECT array_agg(w.brand_id), array_agg(w.marketplace), array_agg(w.week_start),
               array_agg(DISTINCT w.week_start)
          INTO v_brand_ids, v_marketplaces, v_weeks, v_base_weeks
          FROM public.brand_slice_work w;
        SELECT array_agg(q.brand_id), array_agg(q.marketplace), array_agg(q.q_start), min(q.q_start),
               (max(q.q_start) + interval '3 months')::date
          INTO v_q_brand_ids, v_q_marketplaces, v_q_starts, v_from, v_to
          FROM (SELECT DISTINCT w.brand_id, w.marketplace, date_trunc('quarter', w.week_start::timestamp)::date AS q_start
                  FROM public.brand_slice_work w) q;
      END IF;
      -- Each scope below is "v_all OR (...)": a plan made for this call drops whichever side does not apply,
      -- but an IN (subquery) under an OR stays a filter, so the scoped side also names its keys with
      -- = ANY (array), which the indexes can take.
      RETURN QUERY
      WITH quarters AS (
        SELECT x.brand_id, x.marketplace, x.q_start
          FROM unnest(v_q_brand_ids, v_q_marketplaces, v_q_starts) AS x(brand_id, marketplace, q_start)
      ),
      -- The product and brand-level segments validated: all of them, or those of the changed slices' quarters
      -- (the weeks starting in them, their months, the quarter), so that months and quarters are compared with
      -- all of their weeks. Read once: every check below reads these.
      seg AS (
        SELECT s.* FROM public.brand_product_segments s
         WHERE v_all
            OR (s.period_start >= v_from AND s.period_start < v_to
                AND (s.brand_id, s.marketplace, date_trunc('quarter', s.period_start::timestamp)::date) IN
                    (SELECT q.brand_id, q.marketplace, q.q_start FROM quarters q))
      ),
      bms AS (
        SELECT g.* FROM public.brand_marketplace_segments g
         WHERE v_all
            OR (g.period_start >= v_from AND g.period_start < v_to
                AND (g.brand_id, g.marketplace, date_trunc('quarter', g.period_start::timestamp)::date) IN
                    (SELECT q.brand_id, q.marketplace, q.q_start FROM quarters q))
      )
      SELECT 'brand_not_active'::text, s.brand_id, s.marketplace, s.asin::varchar(20), s.segment_type, s.period_start,
             CASE WHEN b.id IS NULL THEN 'brand does not exist' ELSE 'brand is inactive' END
        FROM seg s
        LEFT JOIN public.brands b ON b.id = s.brand_id
       WHERE b.id IS NULL OR NOT b.is_active
      UNION ALL
      SELECT 'asin_not_mapped', s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start,
             CASE WHEN m.asin IS NULL THEN 'ASIN has no brand mapping'
                  WHEN m.brand_id <> s.brand_id THEN format('ASIN is mapped to brand %s', m.brand_id)
                  ELSE 'ASIN mapping is inactive' END
        FROM seg s
        LEFT JOIN public.asin_brand_mapping m ON m.asin = s.asin
       WHERE m.asin IS NULL OR m.brand_id <> s.brand_id OR NOT m.is_active
      UNION ALL
      SELECT 'weekly_not_sunday_to_saturday', s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start,
             format('period %s..%s', s.period_start, s.period_end)
        FROM seg s
       WHERE s.segment_type = 'weekly'
         AND (extract(dow FROM s.period_start) <> 0 OR s.period_end <> s.period_start + 6)
      UNION ALL
      SELECT g.segment_type || '_not_calendar_' || g.unit, s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start,
             format('period %s..%s', s.period_start, s.period_end)
        FROM seg s
        JOIN (VALUES ('monthly'::text, 'month'::text, interval '1 month'),
                     ('quarterly', 'quarter', interval '3 months')) AS g(segment_type, unit, span)
          ON g.segment_type = s.segment_type
       WHERE s.period_start <> date_trunc(g.unit, s.period_start::timestamp)::date
          OR s.period_end <> (date_trunc(g.unit, s.period_start::timestamp) + g.span - interval '1 day')::date
      UNION ALL
      SELECT 'unknown_segment_type', s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start,
             format('segment_type %L', s.segment_type)
        FROM seg s
       WHERE s.segment_type IS DISTINCT FROM 'weekly' AND s.segment_type IS DISTINCT FROM 'monthly'
         AND s.segment_type IS DISTINCT FROM 'quarterly'
      UNION ALL
      SELECT 'share_out_of_range', s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start,
             format('impression %s, click %s, cart add %s, purchase %s',
                    s.impression_share_pct, s.click_share_pct, s.cart_add_share_pct, s.purchase_share_pct)
        FROM seg s
       WHERE s.impression_share_pct NOT BETWEEN 0 AND 100 OR s.click_share_pct NOT BETWEEN 0 AND 100
          OR s.cart_add_share_pct NOT BETWEEN 0 AND 100 OR s.purchase_share_pct NOT BETWEEN 0 AND 100
      UNION ALL
      SELECT 'asin_count_above_total', s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start,
             concat_ws(', ',
               CASE WHEN s.asin_impressions > s.total_impressions THEN format('impressions %s > %s', s.asin_impressions, s.total_impressions) END,
               CASE WHEN s.asin_clicks > s.total_clicks THEN format('clicks %s > %s', s.asin_clicks, s.total_clicks) END,
               CASE WHEN s.asin_cart_adds > s.total_cart_adds THEN format('cart adds %s > %s', s.asin_cart_adds, s.total_cart_adds) END,
               CASE WHEN s.asin_purchases > s.total_purchases THEN format('purchases %s > %s', s.asin_purchases, s.total_purchases) END)
        FROM seg s
       WHERE s.asin_impressions > s.total_impressions OR s.asin_clicks > s.total_clicks
          OR s.asin_cart_adds > s.total_cart_adds OR s.asin_purchases > s.total_purchases
      UNION ALL
      -- The brand-level segments (corrections #14) hold the sums of the brand's product segments' ASIN counts,
      -- and market totals between the largest and the sum of the products' market totals (each query's
      -- market counted once instead of once per ASIN).
      SELECT 'brand_differs_from_products', coalesce(g.brand_id, p.brand_id), coalesce(g.marketplace, p.marketplace),
             NULL::varchar(20), coalesce(g.segment_type, p.segment_type), coalesce(g.period_start, p.period_start),
             CASE WHEN g.brand_id IS NULL THEN 'product segments without their brand segment'
                  WHEN p.brand_id IS NULL THEN 'brand segment without product segments'
                  ELSE format('brand %s/%s/%s/%s, market impressions %s; products %s/%s/%s/%s, market impressions %s..%s (impressions/clicks/cart adds/purchases)',
                              g.asin_impressions, g.asin_clicks, g.asin_cart_adds, g.asin_purchases, g.total_impressions,
                              p.asin_impressions, p.asin_clicks, p.asin_cart_adds, p.asin_purchases, p.max_total, p.sum_total) END
        FROM bms g
        FULL JOIN (SELECT s.brand_id, s.marketplace, s.segment_type, s.period_start,
                          sum(s.asin_impressions)::bigint AS asin_impressions, sum(s.asin_clicks)::bigint AS asin_clicks,
                          sum(s.asin_cart_adds)::bigint AS asin_cart_adds, sum(s.asin_purchases)::bigint AS asin_purchases,
                          sum(s.priced_purchases)::bigint AS priced_purchases, sum(s.data_points_count)::bigint AS data_points_count,
                          max(s.total_impressions)::bigint AS max_total, sum(s.total_impressions)::bigint AS sum_total
                     FROM seg s
                    GROUP BY s.brand_id, s.marketplace, s.segment_type, s.period_start) p
          ON p.brand_id = g.brand_id AND p.marketplace = g.marketplace AND p.segment_type = g.segment_type
         AND p.period_start = g.period_start
       WHERE g.brand_id IS NULL OR p.brand_id IS NULL
          OR (g.asin_impressions, g.asin_clicks, g.asin_cart_adds, g.asin_purchases, g.priced_purchases, g.data_points_count::bigint)
             IS DISTINCT FROM
             (p.asin_impressions, p.asin_clicks, p.asin_cart_adds, p.asin_purchases, p.priced_purchases, p.data_points_count)
          OR g.total_impressions < p.max_total OR g.total_impressions > p.sum_total
      UNION ALL
      -- Every monthly (quarterly) segment is the sum of the weekly segments that start in its month (quarter),
      -- and the other way round.
      SELECT coalesce(ag.segment_type, wk.segment_type) || '_differs_from_weeks', coalesce(ag.brand_id, wk.brand_id), coalesce(ag.marketplace, wk.marketplace),
             coalesce(ag.asin, wk.asin), coalesce(ag.segment_type, wk.segment_type),
             coalesce(ag.period_start, wk.period_start),
             CASE WHEN ag.brand_id IS NULL THEN format('weekly segments without their %s segment', wk.segment_type)
                  WHEN wk.brand_id IS NULL THEN format('%s segment without weekly segments', ag.segment_type)
                  ELSE format('%s %s/%s/%s/%s/%s, sum of its weeks %s/%s/%s/%s/%s (impressions/clicks/cart adds/purchases/reports)',
                              ag.segment_type,
                              ag.asin_impressions, ag.asin_clicks, ag.asin_cart_adds, ag.asin_purchases, ag.data_points_count,
                              wk.asin_impressions, wk.asin_clicks, wk.asin_cart_adds, wk.asin_purchases, wk.data_points_count) END
        FROM (SELECT s.brand_id, s.marketplace, s.asin, s.segment_type, s.period_start, s.total_impressions, s.asin_impressions,
                     s.asin_clicks, s.asin_cart_adds, s.total_purchases, s.asin_purchases, s.priced_purchases,
                     s.data_points_count::bigint AS data_points_count
                FROM seg s
               WHERE s.segment_type IN ('monthly', 'quarterly')) ag
        FULL JOIN (SELECT s.brand_id, s.marketplace, s.asin, g.segment_type,
                          date_trunc(g.unit, s.period_start::timestamp)::date AS period_start,
                          sum(s.total_impressions)::bigint AS total_impressions,
                          sum(s.asin_impressions)::bigint AS asin_impressions,
                          sum(s.asin_clicks)::bigint AS asin_clicks,
                          sum(s.asin_cart_adds)::bigint AS asin_cart_adds,
                          sum(s.total_purchases)::bigint AS total_purchases,
                          sum(s.asin_purchases)::bigint AS asin_purchases,
                          sum(s.priced_purchases)::bigint AS priced_purchases,
                          sum(s.data_points_count)::bigint AS data_points_count
                     FROM seg s
                    CROSS JOIN (VALUES ('monthly'::text, 'month'::text), ('quarterly', 'quarter')) AS g(segment_type, unit)
                    WHERE s.segment_type = 'weekly'
                    GROUP BY 1, 2, 3, 4, 5) wk
          ON wk.brand_id = ag.brand_id AND wk.marketplace = ag.marketplace AND wk.asin = ag.asin
         AND wk.segment_type = ag.segment_type AND wk.period_start = ag.period_start
       WHERE ag.brand_id IS NULL OR wk.brand_id IS NULL
          OR (ag.total_impressions, ag.asin_impressions, ag.asin_clicks, ag.asin_cart_adds, ag.total_purchases,
              ag.asin_purchases, ag.priced_purchases, ag.data_points_count)
             IS DISTINCT FROM
             (wk.total_impressions, wk.asin_impressions, wk.asin_clicks, wk.asin_cart_adds, wk.total_purchases,
              wk.asin_purchases, wk.priced_purchases, wk.data_points_count)
      UNION ALL
      -- The checked weeks (the changed slices' weeks; the newest week when everything is validated),
      -- recomputed from the base rows through the indexes. A difference means the view is stale or wrong.
      SELECT 'weekly_differs_from_base', coalesce(v.brand_id, base.brand_id), coalesce(v.marketplace, base.marketplace),
             coalesce(v.asin, base.asin), 'weekly'::text,
             coalesce(v.period_start, base.period_start),
             CASE WHEN v.brand_id IS NULL THEN 'base rows without a weekly segment'
                  WHEN base.brand_id IS NULL THEN 'weekly segment without base rows'
                  ELSE format('view %s/%s/%s/%s, base rows %s/%s/%s/%s (impressions/clicks/cart adds/purchases)',
                              v.asin_impressions, v.asin_clicks, v.asin_cart_adds, v.asin_purchases,
                              base.asin_impressions, base.asin_clicks, base.asin_cart_adds, base.asin_purchases) END
        FROM (SELECT s.brand_id, s.marketplace, s.asin, s.period_start, s.total_impressions, s.asin_impressions, s.total_clicks,
                     s.asin_clicks, s.total_cart_adds, s.asin_cart_adds, s.total_purchases, s.asin_purchases,
                     s.priced_purchases, s.data_points_count::bigint AS data_points_count
                FROM seg s
               WHERE s.segment_type = 'weekly' AND s.period_start = ANY (v_base_weeks)
                 AND (v_all OR (s.brand_id, s.marketplace, s.period_start) IN
                      (SELECT x.brand_id, x.marketplace, x.week_start
                         FROM unnest(v_brand_ids, v_marketplaces, v_weeks) AS x(brand_id, marketplace, week_start)))) v
        FULL JOIN (SELECT m.brand_id, r.marketplace, r.asin, r.start_date AS period_start,
                          sum(q.total_query_impression_count)::bigint AS total_impressions,
                          sum(q.asin_impression_count)::bigint AS asin_impressions,
                          sum(q.total_click_count)::bigint AS total_clicks,
                          sum(q.asin_click_count)::bigint AS asin_clicks,
                          sum(q.total_cart_add_count)::bigint AS total_cart_adds,
                          sum(q.asin_cart_add_count)::bigint AS asin_cart_adds,
                          sum(q.total_purchase_count)::bigint AS total_purchases,
                          sum(q.asin_purchase_count)::bigint AS asin_purchases,
                          coalesce(sum(q.asin_purchase_count) FILTER (WHERE q.asin_median_purchase_price IS NOT NULL), 0)::bigint AS priced_purchases,
                          count(DISTINCT r.id) AS data_points_count
                     FROM sqp.asin_performance_data r
                     JOIN sqp.search_query_performance q ON q.asin_performance_id = r.id
                     JOIN public.asin_brand_mapping m ON m.asin = r.asin AND m.is_active
                     JOIN public.brands b ON b.id = m.brand_id AND b.is_active
                    WHERE r.start_date = ANY (v_base_weeks)
                      AND (v_all OR (m.brand_id, r.marketplace, r.start_date) IN
                           (SELECT x.brand_id, x.marketplace, x.week_start
                              FROM unnest(v_brand_ids, v_marketplaces, v_weeks) AS x(brand_id, marketplace, week_start)))
                    GROUP BY m.brand_id, r.marketplace, r.asin, r.start_date) base
          ON base.brand_id = v.brand_id AND base.marketplace = v.marketplace AND base.asin = v.asin
         AND base.period_start = v.period_start
       WHERE v.brand_id IS NULL OR base.brand_id IS NULL
          OR (v.total_impressions, v.asin_impressions, v.total_clicks, v.asin_clicks, v.total_cart_adds,
              v.asin_cart_adds, v.total_purchases, v.asin_purchases, v.priced_purchases, v.data_points_count)
             IS DISTINCT FROM
             (base.total_impressions, base.asin_impressions, base.total_clicks, base.asin_clicks, base.total_cart_adds,
              base.asin_cart_adds, base.total_purchases, base.asin_purchases, base.priced_purchases, base.data_points_count)
      UNION ALL
      -- The query-weeks of a brand (brand_query_weeks, issue 13) add up to its brand-level weekly segment:
      -- the same brand counts, market totals, Search Query Volume and number of query-weeks (both count each
      -- query's market once per week); the changed slices' weeks when only they are validated.
      SELECT 'query_weeks_differ_from_brand', coalesce(g.brand_id, qw.brand_id), coalesce(g.marketplace, qw.marketplace),
             NULL::varchar(20), 'weekly'::text, coalesce(g.period_start, qw.week_start),
             CASE WHEN g.brand_id IS NULL THEN 'query-weeks without their brand segment'
                  WHEN qw.brand_id IS NULL THEN 'brand segment without query-weeks'
                  ELSE format('brand segment %s/%s/%s/%s of %s/%s/%s/%s, volume %s, %s query-weeks; query-weeks %s/%s/%s/%s of %s/%s/%s/%s, volume %s, %s query-weeks (impressions/clicks/cart adds/purchases of the market)',
                              g.asin_impressions, g.asin_clicks, g.asin_cart_adds, g.asin_purchases,
                              g.total_impressions, g.total_clicks, g.total_cart_adds, g.total_purchases,
                              g.search_query_volume, g.query_weeks,
                              qw.asin_impressions, qw.asin_clicks, qw.asin_cart_adds, qw.asin_purchases,
                              qw.total_impressions, qw.total_clicks, qw.total_cart_adds, qw.total_purchases,
                              qw.search_query_volume, qw.query_weeks) END
        FROM (SELECT x.* FROM bms x
               WHERE x.segment_type = 'weekly'
                 AND (v_all OR (x.brand_id, x.marketplace, x.period_start) IN
                      (SELECT y.brand_id, y.marketplace, y.week_start
                         FROM unnest(v_brand_ids, v_marketplaces, v_weeks) AS y(brand_id, marketplace, week_start)))) g
        FULL JOIN (SELECT w.brand_id, w.marketplace, w.week_start,
                          sum(w.asin_impressions)::bigint AS asin_impressions, sum(w.asin_clicks)::bigint AS asin_clicks,
                          sum(w.asin_cart_adds)::bigint AS asin_cart_adds, sum(w.asin_purchases)::bigint AS asin_purchases,
                          sum(w.total_impressions)::bigint AS total_impressions, sum(w.total_clicks)::bigint AS total_clicks,
                          sum(w.total_cart_adds)::bigint AS total_cart_adds, sum(w.total_purchases)::bigint AS total_purchases,
                          sum(w.search_query_volume)::bigint AS search_query_volume, sum(w.priced_purchases)::bigint AS priced_purchases,
                          count(*)::bigint AS query_weeks
                     FROM public.brand_query_weeks w
                    WHERE v_all
                       OR (w.brand_id = ANY (v_brand_ids) AND w.marketplace = ANY (v_marketplaces)
                           AND w.week_start = ANY (v_base_weeks)
                           AND (w.brand_id, w.marketplace, w.week_start) IN
                               (SELECT x.brand_id, x.marketplace, x.week_start
                                  FROM unnest(v_brand_ids, v_marketplaces, v_weeks) AS x(brand_id, marketplace, week_start)))
                    GROUP BY w.brand_id, w.marketplace, w.week_start) qw
          ON qw.brand_id = g.brand_id AND qw.marketplace = g.marketplace AND qw.week_start = g.period_start
       WHERE g.brand_id IS NULL OR qw.brand_id IS NULL
          OR (g.asin_impressions, g.asin_clicks, g.asin_cart_adds, g.asin_purchases, g.total_impressions, g.total_clicks,
              g.total_cart_adds, g.total_purchases, g.search_query_volume, g.priced_purchases, g.query_weeks)
             IS DISTINCT FROM
             (qw.asin_impressions, qw.asin_clicks, qw.asin_cart_adds, qw.asin_purchases, qw.total_impressions, qw.total_clicks,
              qw.total_cart_adds, qw.total_purchases, qw.search_query_volume, qw.priced_purchases, qw.query_weeks);
    END;
  SQL
  depends_on = [materialized.brand_product_segments, table.brand_marketplace_segments, table.brand_query_weeks, table.brand_slice_work, table.search_query_performance, table.asin_performance_data, table.asin_brand_mapping, table.brands]
}

function "validate_brand_product_segments" {
  schema = schema.public
  lang   = SQL
  return_table {
    column "check_name" {
      type = text
    }
    column "brand_id" {
      type = uuid
    }
    column "marketplace" {
      type = text
    }
    column "asin" {
      type = varchar(20)
    }
    column "segment_type" {
      type = text
    }
    column "period_start" {
      type = date
    }
    column "detail" {
      type = text
    }
  }
  volatility = STABLE
  security   = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Returns one row per violation in brand_product_segments (none when it is consistent): segments of a missing or inactive brand, of an unmapped or inactive ASIN, weekly segments that are not one Sunday-Saturday week, monthly segments that are not one calendar month, quarterly segments that are not one calendar quarter, shares outside 0-100, ASIN counts above market totals, monthly and quarterly segments that differ from the sum of their weeks, weekly segments of the newest week that differ from the base rows, and brand-level segments (brand_marketplace_segments) whose ASIN counts differ from the sums of the brand's product segments or whose market totals lie outside the largest..the sum of the products', and brand query-weeks (brand_query_weeks) that do not add up to their brand-level weekly segment. SECURITY DEFINER: it reads the base tables. The refresh procedure validates only what it rebuilt: validate_brand_segments(true)."
  as      = <<-SQL
    SELECT v.* FROM public.validate_brand_segments(false) v
  SQL
  depends_on = [function.validate_brand_segments]
}

// ---------------------------------------------------------------------------------------------------------
// §6 The refresh (corrections #10). The spec's incremental function refreshed everything when anything
// changed, never saw deletes, logged success with start = end and swallowed nothing because it caught nothing.
// Here:
// - brand_product_segments_refresh_run() (SECURITY DEFINER) compares change_seq with the last successful
//   refresh and runs REFRESH ... CONCURRENTLY (a plain REFRESH while the view is not populated);
// - the PROCEDURE refresh_brand_product_segments() serialises runs with an advisory lock, commits a 'running'
//   log row first, calls the function, validates, logs success/skipped/failed/cancelled with the real start
//   and end, and re-raises any error after committing its log row. A PROCEDURE because only a CALL can commit
//   in the middle; it cannot be SECURITY DEFINER (PostgreSQL forbids transaction control there), hence the
//   definer function.
// ---------------------------------------------------------------------------------------------------------

function "brand_product_segments_refresh_run" {
  schema = schema.public
  lang   = PLpgSQL
  arg "p_force" {
    type = boolean
  }
  arg "refreshed" {
    type = boolean
    mode = OUT
  }
  arg "was_populated" {
    type = boolean
    mode = OUT
  }
  arg "row_count" {
    type = bigint
    mode = OUT
  }
  arg "change_seq" {
    type = bigint
    mode = OUT
  }
  arg "brand_row_count" {
    type = bigint
    mode = OUT
  }
  return   = record
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "The work of one refresh, for refresh_brand_product_segments(): unless p_force, does nothing (refreshed = false) when the view is populated and segment_source_state.change_seq is not above the last successful refresh's; else REFRESH MATERIALIZED VIEW CONCURRENTLY (plain while not populated) of brand_product_segments and brand_level_refresh() of the tables brand_query_weeks and brand_marketplace_segments (the slices changed since, all of them when forced), in one transaction, so they always agree. Returns the views' row counts and the change_seq the view now covers (read before refreshing). SECURITY DEFINER so that callers need no right on the base tables."
  as      = <<-SQL
    #variable_conflict use_variable
    DECLARE
      v_last_seq bigint;
      v_last_rows bigint;
      v_stats_target text := pg_catalog.current_setting('default_statistics_target');
      v_page_cost text := pg_catalog.current_setting('random_page_cost');
    BEGIN
      -- Read before refreshing: a change committed during the refresh makes the next check refresh again.
      change_seq := (SELECT s.change_seq FROM public.segment_source_state s);
      SELECT l.change_seq, l.row_count INTO v_last_seq, v_last_rows
        FROM public.materialized_view_refresh_log l
       WHERE l.view_name = 'brand_product_segments' AND l.status = 'success'
       ORDER BY l.id DESC
       LIMIT 1;
      was_populated := (SELECT c.relispopulated FROM pg_catalog.pg_class c
                         WHERE c.oid = 'public.brand_product_segments'::regclass);
      IF NOT p_force AND was_populated AND change_seq <= v_last_seq THEN
        refreshed := false;
        -- Unchanged since that refresh, so is its row count (counting would cost more than the check).
        row_count := coalesce(v_last_rows, (SELECT count(*) FROM public.brand_product_segments));
      ELSE
        -- Local to the transaction, which the procedure commits right after: the one-pass aggregation
        -- fits in memory, and JIT compilation costs more than it saves on this query.
        PERFORM pg_catalog.set_config('work_mem', '256MB', true);
        PERFORM pg_catalog.set_config('jit', 'off', true);
        IF was_populated THEN
          -- The statistics of the refresh's temporary copy (ANALYZE of 30,000 sampled rows of 25 columns,
          -- 0.6 s at scale 10) only plan its merge and diff joins, whose shape they do not change.
          PERFORM pg_catalog.set_config('default_statistics_target', '1', true);
          -- The view reads sqp.segment_sums in its primary key's order. A few imports after a load the
          -- table's correlation drops and, at the default 4.0, the index scan costs about what a sort of
          -- the whole table does (32k vs 34k at scale 10), so the plan may flip to the sort (+1 s). The
          -- table is read from memory: at 1.1 the index scan stays the plan (14k).
          PERFORM pg_catalog.set_config('random_page_cost', '1.1', true);
          REFRESH MATERIALIZED VIEW CONCURRENTLY public.brand_product_segments;
          PERFORM pg_catalog.set_config('random_page_cost', v_page_cost, true);
          PERFORM pg_catalog.set_config('default_statistics_target', v_stats_target, true);
        ELSE
          REFRESH MATERIALIZED VIEW public.brand_product_segments;
        END IF;
        -- The brand-level tables: the slices changed since the last refresh (all of them when forced).
        brand_row_count := public.brand_level_refresh(p_force);
        refreshed := true;
        row_count := (SELECT count(*) FROM public.brand_product_segments);
      END IF;
    END;
  SQL
  depends_on = [materialized.brand_product_segments, function.brand_level_refresh, view.segment_source_state, table.materialized_view_refresh_log]
}

procedure "refresh_brand_product_segments" {
  schema = schema.public
  lang   = PLpgSQL
  arg "p_force" {
    type    = boolean
    default = false
  }
  arg "p_trigger" {
    type    = text
    default = "sql"
  }
  arg "p_requested_by" {
    type    = text
    default = sql("CURRENT_USER")
  }
  // Results. INOUT with a NULL default (not OUT) because a procedure's OUT parameters cannot follow
  // parameters with defaults; CALL refresh_brand_product_segments() returns them as one row.
  arg "o_status" {
    type    = text
    mode    = INOUT
    default = sql("NULL")
  }
  arg "o_log_id" {
    type    = bigint
    mode    = INOUT
    default = sql("NULL")
  }
  arg "o_row_count" {
    type    = bigint
    mode    = INOUT
    default = sql("NULL")
  }
  arg "o_started_at" {
    type    = timestamptz
    mode    = INOUT
    default = sql("NULL")
  }
  arg "o_finished_at" {
    type    = timestamptz
    mode    = INOUT
    default = sql("NULL")
  }
  arg "o_error" {
    type    = text
    mode    = INOUT
    default = sql("NULL")
  }
  arg "o_running_since" {
    type    = timestamptz
    mode    = INOUT
    default = sql("NULL")
  }
  arg "o_running_by" {
    type    = text
    mode    = INOUT
    default = sql("NULL")
  }
  comment = "Refreshes brand_product_segments when its base data changed (or p_force), one run at a time across all sessions. Returns o_status busy (with o_running_since/o_running_by of the running refresh, nothing logged), skipped, or success (with the log id, row count, start and end); a failure is logged as failed (cancelled when the statement was cancelled) with its error, committed, and raised. Must be CALLed outside a transaction block."
  as      = <<-SQL
    #variable_conflict use_variable
    DECLARE
      c_view constant text := 'brand_product_segments';
      c_lock constant bigint := pg_catalog.hashtextextended('public.brand_product_segments', 0);
      v_by text := coalesce(p_requested_by, current_user::text);
      v_run record;
      v_change_seq bigint;
      v_brand_rows bigint;
      v_validation jsonb;
      v_sqlstate text;
      v_detail text;
      v_hint text;
    BEGIN
      -- The COMMITs below need a CALL outside a transaction block. Fail here, before the lock is taken, when
      -- it is not (this COMMIT ends only the CALL's own implicit transaction).
      COMMIT;
      o_status := NULL; o_log_id := NULL; o_row_count := NULL; o_started_at := NULL; o_finished_at := NULL;
      o_error := NULL; o_running_since := NULL; o_running_by := NULL;

      IF NOT pg_catalog.pg_try_advisory_lock(c_lock) THEN
        o_status := 'busy';
        SELECT l.refresh_start, l.requested_by INTO o_running_since, o_running_by
          FROM public.materialized_view_refresh_log l
         WHERE l.view_name = c_view AND l.status = 'running'
         ORDER BY l.id DESC
         LIMIT 1;
        RETURN;
      END IF;

      BEGIN
        -- The log is written through SECURITY DEFINER functions: the web role may not write it itself.
        SELECT b.log_id, b.started_at INTO o_log_id, o_started_at
          FROM public.refresh_log_begin(p_trigger, v_by, p_force) b;
      EXCEPTION WHEN query_canceled OR others THEN
        PERFORM pg_catalog.pg_advisory_unlock(c_lock);
        RAISE;
      END;
      COMMIT;

      BEGIN
        SELECT * INTO v_run FROM public.brand_product_segments_refresh_run(p_force);
        o_row_count := v_run.row_count;
        v_change_seq := v_run.change_seq;
        v_brand_rows := v_run.brand_row_count;
        IF v_run.refreshed THEN
          o_status := 'success';
          BEGIN
            SELECT jsonb_build_object(
                     'ok', count(*) = 0,
                     'violation_count', count(*),
                     'violations', coalesce(jsonb_agg(to_jsonb(v) - 'n') FILTER (WHERE v.n <= 100), '[]'::jsonb))
              INTO v_validation
              FROM (SELECT x.*, row_number() OVER () AS n FROM public.validate_brand_segments(true) x) v;
          EXCEPTION WHEN others THEN
            -- A broken validation must not undo a good refresh: log that it failed instead.
            v_validation := jsonb_build_object('ok', false, 'error', SQLERRM);
          END;
        ELSE
          o_status := 'skipped';
        END IF;
      EXCEPTION
        WHEN query_canceled THEN
          o_status := 'cancelled';
          GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, o_error = MESSAGE_TEXT,
                                  v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
        WHEN others THEN
          o_status := 'failed';
          GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, o_error = MESSAGE_TEXT,
                                  v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
      END;
      IF v_sqlstate IS NOT NULL THEN
        o_row_count := NULL;
        v_change_seq := NULL;
        v_brand_rows := NULL;
      END IF;

      o_finished_at := pg_catalog.clock_timestamp();
      PERFORM public.refresh_log_finish(o_log_id, o_status, o_finished_at, o_row_count, v_change_seq, o_error, v_validation,
                                        CASE WHEN v_brand_rows IS NULL THEN NULL
                                             ELSE pg_catalog.jsonb_build_object('brand_rows', v_brand_rows) END);
      -- Unlocked before the COMMIT, so that no error past this point can leave a pooled session holding the
      -- lock. A session that takes the lock now waits for this row's lock until the COMMIT, then sees it done.
      PERFORM pg_catalog.pg_advisory_unlock(c_lock);
      COMMIT;

      IF v_sqlstate IS NOT NULL THEN
        v_hint := concat_ws(' ', nullif(v_hint, ''), format('(materialized_view_refresh_log id %s)', o_log_id));
        IF coalesce(v_detail, '') = '' THEN
          RAISE EXCEPTION USING ERRCODE = v_sqlstate, MESSAGE = o_error, HINT = v_hint;
        END IF;
        RAISE EXCEPTION USING ERRCODE = v_sqlstate, MESSAGE = o_error, DETAIL = v_detail, HINT = v_hint;
      END IF;
    END;
  SQL
  depends_on = [function.brand_product_segments_refresh_run, function.validate_brand_segments, table.materialized_view_refresh_log, function.refresh_log_begin, function.refresh_log_finish]
}

// The spec's name (§6), kept with the spec's signature: a FUNCTION returning void, so that what callers of the
// spec run works verbatim: SELECT public.refresh_brand_product_segments_incremental() (cron jobs, RPC
// clients), GRANT EXECUTE ON FUNCTION ...() and the spec's rollback (DROP FUNCTION IF EXISTS ...()). The
// application keeps the PROCEDURE refresh_brand_product_segments (CALL), which commits a 'running' row first
// and raises its errors. A function runs inside its caller's transaction and cannot commit in the middle, so
// it cannot both log a failure and raise it (the raise would roll the log row back): it refreshes, logs the
// run in one row (success, skipped or failed, with the error), and returns; a failure is also reported as a
// WARNING. It takes the same lock as the procedure (transaction-scoped), so the two never run at once; when
// a refresh is running it logs nothing and says so in a NOTICE. A cancelled statement is not caught: the
// caller's transaction ends and nothing is logged, as for any cancelled statement.
function "refresh_brand_product_segments_incremental" {
  schema  = schema.public
  lang    = PLpgSQL
  return  = void
  comment = "The spec's refresh (SELECT public.refresh_brand_product_segments_incremental()): refreshes brand_product_segments, brand_marketplace_segments and brand_query_weeks when their base data changed since the last successful refresh (inserts, updates and deletes), validates, logs the run in materialized_view_refresh_log (trigger 'sql') and returns. A failure is logged (status failed, with its error) and reported as a WARNING, not raised, so that its log row is kept; a refresh already running is reported as a NOTICE. The application uses CALL public.refresh_brand_product_segments()."
  as      = <<-SQL
    #variable_conflict use_variable
    DECLARE
      c_view constant text := 'brand_product_segments';
      c_lock constant bigint := pg_catalog.hashtextextended('public.brand_product_segments', 0);
      v_log_id bigint;
      v_run record;
      v_rows bigint;
      v_seq bigint;
      v_brand_rows bigint;
      v_status text;
      v_error text;
      v_sqlstate text;
      v_validation jsonb;
      v_since timestamptz;
      v_by text;
    BEGIN
      IF NOT pg_catalog.pg_try_advisory_xact_lock(c_lock) THEN
        SELECT l.refresh_start, l.requested_by INTO v_since, v_by
          FROM public.materialized_view_refresh_log l
         WHERE l.view_name = c_view AND l.status = 'running'
         ORDER BY l.id DESC
         LIMIT 1;
        RAISE NOTICE 'brand_product_segments: a refresh is already running (started % by %), nothing done', v_since, v_by;
        RETURN;
      END IF;
      -- With the lock held, a row still 'running' belongs to a session that ended before finishing it.
      UPDATE public.materialized_view_refresh_log l
         SET status = 'failed',
             refresh_end = greatest(pg_catalog.clock_timestamp(), l.refresh_start),
             error = 'interrupted: the session running this refresh ended before it finished'
       WHERE l.view_name = c_view AND l.status = 'running';
      INSERT INTO public.materialized_view_refresh_log
             (view_name, refresh_start, status, trigger_source, requested_by, backend_pid, metadata)
      VALUES (c_view, pg_catalog.clock_timestamp(), 'running', 'sql', current_user::text, pg_catalog.pg_backend_pid(),
              jsonb_build_object('force', false, 'via', 'refresh_brand_product_segments_incremental()'))
      RETURNING id INTO v_log_id;

      BEGIN
        SELECT * INTO v_run FROM public.brand_product_segments_refresh_run(false);
        v_rows := v_run.row_count;
        v_seq := v_run.change_seq;
        v_brand_rows := v_run.brand_row_count;
        IF v_run.refreshed THEN
          v_status := 'success';
          BEGIN
            SELECT jsonb_build_object(
                     'ok', count(*) = 0,
                     'violation_count', count(*),
                     'violations', coalesce(jsonb_agg(to_jsonb(v) - 'n') FILTER (WHERE v.n <= 100), '[]'::jsonb))
              INTO v_validation
              FROM (SELECT x.*, row_number() OVER () AS n FROM public.validate_brand_segments(true) x) v;
          EXCEPTION WHEN others THEN
            v_validation := jsonb_build_object('ok', false, 'error', SQLERRM);
          END;
        ELSE
          v_status := 'skipped';
        END IF;
      EXCEPTION WHEN others THEN
        -- The refresh's own changes are rolled back with this block; the log row above stays.
        v_status := 'failed';
        v_rows := NULL;
        v_seq := NULL;
        v_brand_rows := NULL;
        v_validation := NULL;
        GET STACKED DIAGNOSTICS v_error = MESSAGE_TEXT, v_sqlstate = RETURNED_SQLSTATE;
      END;

      UPDATE public.materialized_view_refresh_log l
         SET status = v_status,
             refresh_end = pg_catalog.clock_timestamp(),
             row_count = v_rows,
             change_seq = v_seq,
             error = v_error,
             validation = v_validation,
             metadata = CASE WHEN v_brand_rows IS NULL THEN l.metadata
                             ELSE l.metadata || jsonb_build_object('brand_rows', v_brand_rows) END
       WHERE l.id = v_log_id;
      IF v_status = 'failed' THEN
        RAISE WARNING 'brand_product_segments: refresh failed, logged in materialized_view_refresh_log id %: % (SQLSTATE %)',
          v_log_id, v_error, v_sqlstate;
      ELSE
        RAISE NOTICE 'brand_product_segments: % (log id %, % rows)', v_status, v_log_id, v_rows;
      END IF;
    END;
  SQL
  depends_on = [function.brand_product_segments_refresh_run, function.validate_brand_segments, table.materialized_view_refresh_log]
}

// ---------------------------------------------------------------------------------------------------------
// Roles and grants of the spec (corrections #8: the engine creates both roles NOLOGIN when they are missing).
// The refresh procedure runs with its caller's rights, so callers also need the log table and the run
// function; the definer functions give them nothing else.
// ---------------------------------------------------------------------------------------------------------

role "authenticated" {
  login   = false
  comment = "Signed-in users of the API (the spec's grants)."
}

role "service_role" {
  login   = false
  comment = "Trusted back-end services (the spec's grants)."
}

permission {
  to         = role.authenticated
  for        = materialized.brand_product_segments
  privileges = [SELECT]
}

permission {
  to         = role.service_role
  for        = materialized.brand_product_segments
  privileges = [SELECT]
}

permission {
  to         = role.authenticated
  for        = view.brand_performance_enhanced
  privileges = [SELECT]
}

permission {
  to         = role.authenticated
  for        = table.brand_marketplace_segments
  privileges = [SELECT]
}

permission {
  to         = role.service_role
  for        = view.brand_performance_enhanced
  privileges = [SELECT]
}

permission {
  to         = role.service_role
  for        = table.brand_marketplace_segments
  privileges = [SELECT]
}

permission {
  to         = role.authenticated
  for        = view.segment_source_state
  privileges = [SELECT]
}

permission {
  to         = role.service_role
  for        = view.segment_source_state
  privileges = [SELECT]
}

permission {
  to         = role.authenticated
  for        = table.materialized_view_refresh_log
  privileges = [SELECT, INSERT, UPDATE]
}

permission {
  to         = role.service_role
  for        = table.materialized_view_refresh_log
  privileges = [SELECT, INSERT, UPDATE]
}

permission {
  to         = role.authenticated
  for        = function.get_product_segment_metadata
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = function.get_marketplace_segment_metadata
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = function.brand_default_marketplace
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.get_product_segment_metadata
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.get_marketplace_segment_metadata
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.brand_default_marketplace
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = function.brand_product_segments_last_refreshed
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.brand_product_segments_last_refreshed
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = function.validate_brand_product_segments
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = function.validate_brand_segments
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.validate_brand_product_segments
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.validate_brand_segments
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = function.brand_product_segments_refresh_run
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.brand_product_segments_refresh_run
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = procedure.refresh_brand_product_segments
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = procedure.refresh_brand_product_segments
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = function.refresh_brand_product_segments_incremental
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.refresh_brand_product_segments_incremental
  privileges = [EXECUTE]
}

// ---------------------------------------------------------------------------------------------------------
// Access control (issue 7; docs/security.md): dashboard users, the brands a manager may see, server-side
// sessions, login attempts for throttling, and sqpdash_web, the least-privilege role the web server
// connects as. Everything from here to the end of the file belongs to this section.
// ---------------------------------------------------------------------------------------------------------

table "app_users" {
  schema  = schema.public
  comment = "People who may sign in. role admin: every brand, the admin pages, refresh and import; manager: read-only, only the brands in app_user_brands."
  column "id" {
    type    = uuid
    default = sql("gen_random_uuid()")
  }
  column "email" {
    type    = text
    comment = "Lower-cased (checked), so that one address is one account."
  }
  column "password_hash" {
    type    = text
    comment = "argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$key); never a password."
  }
  column "role" {
    type = text
  }
  column "is_active" {
    type    = boolean
    default = true
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "updated_at" {
    type    = timestamptz
    default = sql("now()")
  }
  column "last_login_at" {
    type = timestamptz
    null = true
  }
  primary_key {
    columns = [column.id]
  }
  index "app_users_email_key" {
    unique  = true
    columns = [column.email]
  }
  check "app_users_role_check" {
    expr = "role IN ('admin', 'manager')"
  }
  check "app_users_email_lower_check" {
    expr = "email = lower(email) AND position('@' in email) > 1"
  }
}

table "app_user_brands" {
  schema  = schema.public
  comment = "The brands a manager may see. Admins see every brand whatever this holds."
  column "user_id" {
    type = uuid
  }
  column "brand_id" {
    type = uuid
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.user_id, column.brand_id]
  }
  foreign_key "app_user_brands_user_id_fkey" {
    columns     = [column.user_id]
    ref_columns = [table.app_users.column.id]
    on_delete   = CASCADE
  }
  foreign_key "app_user_brands_brand_id_fkey" {
    columns     = [column.brand_id]
    ref_columns = [table.brands.column.id]
    on_delete   = CASCADE
  }
  index "app_user_brands_brand_id_idx" {
    columns = [column.brand_id]
  }
}

table "app_sessions" {
  schema  = schema.public
  comment = "Server-side sessions. Only the SHA-256 of the cookie's 32-byte token is stored, so a copy of this table signs nobody in."
  column "token_hash" {
    type = bytea
  }
  column "user_id" {
    type = uuid
  }
  column "created_at" {
    type = timestamptz
  }
  column "last_seen_at" {
    type    = timestamptz
    comment = "Written at most once a minute; the idle timeout counts from it."
  }
  column "expires_at" {
    type    = timestamptz
    comment = "Absolute end, fixed at sign-in."
  }
  column "ip" {
    type    = text
    default = ""
  }
  column "user_agent" {
    type    = text
    default = ""
  }
  primary_key {
    columns = [column.token_hash]
  }
  foreign_key "app_sessions_user_id_fkey" {
    columns     = [column.user_id]
    ref_columns = [table.app_users.column.id]
    on_delete   = CASCADE
  }
  index "app_sessions_user_id_idx" {
    columns = [column.user_id]
  }
  index "app_sessions_expires_at_idx" {
    columns = [column.expires_at]
  }
  check "app_sessions_token_hash_check" {
    expr = "octet_length(token_hash) = 32"
  }
}

// The follow-up refresh queue (docs/operations.md, "Queued refresh"): an import whose refresh finds another
// one running leaves one row here; whichever process ends a refresh that started before the row was written
// runs the follow-up, and the schedule picks up a row nobody ran. One row per view at most: a second request
// while one is queued only moves requested_at.
table "refresh_requests" {
  schema  = schema.public
  comment = "At most one queued follow-up refresh per view: requested while another refresh ran, run by whichever process finishes a refresh first."
  column "view_name" {
    type = text
  }
  column "requested_at" {
    type    = timestamptz
    default = sql("clock_timestamp()")
  }
  column "trigger_source" {
    type = text
  }
  column "requested_by" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.view_name]
  }
  check "refresh_requests_view_name_check" {
    expr = "view_name = 'brand_product_segments'"
  }
  check "refresh_requests_trigger_source_check" {
    expr = "trigger_source IN ('manual', 'schedule', 'import', 'cli', 'sql', 'apply')"
  }
}

// The schedule's claim (docs/scaling.md): every `sqpdash serve` instance ticks on its own timer, and the first
// tick of an interval (date_bin of the interval over the epoch, on the database's clock) claims it here with
// one INSERT ... ON CONFLICT DO UPDATE ... WHERE the claimed interval is over; a tick that finds its
// interval claimed does nothing, so the schedule runs once per interval however many instances tick. One
// row per view: the latest claim, its instance and what its tick did (the admin page shows it).
table "refresh_schedule_claims" {
  schema  = schema.public
  comment = "The latest interval of the refresh schedule claimed by a sqpdash serve instance: one tick per interval runs, whichever instance ticks first."
  column "view_name" {
    type = text
  }
  column "interval_start" {
    type = timestamptz
  }
  column "interval_end" {
    type = timestamptz
  }
  column "claimed_at" {
    type = timestamptz
  }
  column "claimed_by" {
    type = text
  }
  column "finished_at" {
    type = timestamptz
    null = true
  }
  column "outcome" {
    type = text
    null = true
  }
  primary_key {
    columns = [column.view_name]
  }
  check "refresh_schedule_claims_view_name_check" {
    expr = "view_name = 'brand_product_segments'"
  }
  check "refresh_schedule_claims_interval_check" {
    expr = "interval_end > interval_start"
  }
}

// Secrets shared by every sqpdash process on this database: the key of the CSRF tokens (docs/security.md),
// so that a token minted by one instance is accepted by another. The first process to need a secret inserts
// a random one; nobody updates it (the web role may only SELECT and INSERT), so the first insert wins.
table "app_server_secrets" {
  schema  = schema.public
  comment = "Server-side secrets shared by all sqpdash processes (the CSRF token key). Insert-once: the first process that needs one creates it."
  column "name" {
    type = text
  }
  column "secret" {
    type = bytea
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.name]
  }
  check "app_server_secrets_secret_check" {
    expr = "octet_length(secret) >= 32"
  }
}

table "login_attempts" {
  schema  = schema.public
  comment = "Sign-in attempts of the last day, counted per email and per client address to throttle guessing across every sqpdash process."
  column "id" {
    type = bigint
    identity {
      generated = ALWAYS
    }
  }
  column "email" {
    type = text
  }
  column "ip" {
    type = text
  }
  column "succeeded" {
    type = boolean
  }
  column "attempted_at" {
    type = timestamptz
  }
  primary_key {
    columns = [column.id]
  }
  index "login_attempts_email_idx" {
    columns = [column.email, column.attempted_at]
  }
  index "login_attempts_ip_idx" {
    columns = [column.ip, column.attempted_at]
  }
  index "login_attempts_attempted_at_idx" {
    columns = [column.attempted_at]
  }
}

// The web server's role. It owns nothing, so it can neither ALTER nor DROP anything; it reads what the pages
// read, writes sessions, login attempts, last_login_at, the refresh log and imports (the admin upload), and
// runs the refresh, whose REFRESH runs in the SECURITY DEFINER brand_product_segments_refresh_run. LOGIN
// without a password: the private cluster trusts its unix socket; elsewhere the operator sets a password
// (ALTER ROLE sqpdash_web PASSWORD ...) or creates the role beforehand. schema apply runs as the owner.
role "sqpdash_web" {
  login   = true
  comment = "sqpdash serve: least privilege (docs/security.md)"
}

// app_users: SELECT only; the sign-in time goes through app_user_mark_login (the engine grants whole
// tables, not columns). Report rows: INSERT only (new ASIN-weeks and their queries; an INSERT cannot change
// a stored row), no UPDATE and no DELETE: an import replaces the rows of existing ASIN-weeks by staging them
// in sqp.import_staging (INSERT only) and calling import_merge_staged, which merges only what the same
// transaction staged.

permission {
  to         = role.sqpdash_web
  for        = schema.public
  privileges = [USAGE]
}

permission {
  to         = role.sqpdash_web
  for        = schema.sqp
  privileges = [USAGE]
}

permission {
  to         = role.sqpdash_web
  for        = table.brands
  privileges = [SELECT, INSERT, UPDATE]
}

permission {
  to         = role.sqpdash_web
  for        = table.asin_brand_mapping
  privileges = [SELECT, INSERT, UPDATE]
}

permission {
  to         = role.sqpdash_web
  for        = table.asin_performance_data
  privileges = [SELECT, INSERT]
}

permission {
  to         = role.sqpdash_web
  for        = table.search_query_performance
  privileges = [SELECT, INSERT]
}

permission {
  to         = role.sqpdash_web
  for        = table.import_staging
  privileges = [INSERT]
}

permission {
  to         = role.sqpdash_web
  for        = table.materialized_view_refresh_log
  privileges = [SELECT]
}

permission {
  to         = role.sqpdash_web
  for        = view.segment_source_state
  privileges = [SELECT]
}

permission {
  to         = role.sqpdash_web
  for        = materialized.brand_product_segments
  privileges = [SELECT]
}

permission {
  to         = role.sqpdash_web
  for        = view.brand_performance_enhanced
  privileges = [SELECT]
}

permission {
  to         = role.sqpdash_web
  for        = table.brand_marketplace_segments
  privileges = [SELECT]
}

permission {
  to         = role.sqpdash_web
  for        = table.brand_query_weeks
  privileges = [SELECT]
}

permission {
  to         = role.sqpdash_web
  for        = function.get_product_segment_metadata
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.get_marketplace_segment_metadata
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.brand_default_marketplace
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.brand_product_segments_last_refreshed
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.validate_brand_product_segments
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.validate_brand_segments
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.brand_product_segments_refresh_run
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = procedure.refresh_brand_product_segments
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.refresh_brand_product_segments_incremental
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = table.app_users
  privileges = [SELECT]
}

permission {
  to         = role.sqpdash_web
  for        = table.app_user_brands
  privileges = [SELECT]
}

permission {
  to         = role.sqpdash_web
  for        = table.app_sessions
  privileges = [SELECT, INSERT, UPDATE, DELETE]
}

permission {
  to         = role.sqpdash_web
  for        = table.login_attempts
  privileges = [SELECT, INSERT, DELETE]
}

permission {
  to         = role.sqpdash_web
  for        = table.app_server_secrets
  privileges = [SELECT, INSERT]
}

permission {
  to         = role.sqpdash_web
  for        = table.refresh_requests
  privileges = [SELECT, INSERT, UPDATE, DELETE]
}

permission {
  to         = role.sqpdash_web
  for        = table.refresh_schedule_claims
  privileges = [SELECT, INSERT, UPDATE]
}

// ---------------------------------------------------------------------------------------------------------
// The web role's narrow writes (docs/security.md, "The two database URLs"). sqpdash_web may not UPDATE
// app_users, write the refresh log or DELETE report rows itself; the few writes the web needs go through
// these SECURITY DEFINER functions, each of which can do only that one thing.
// ---------------------------------------------------------------------------------------------------------

function "app_user_mark_login" {
  schema = schema.public
  lang   = SQL
  arg "p_user_id" {
    type = uuid
  }
  arg "p_at" {
    type = timestamptz
  }
  return   = void
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Records a successful sign-in (app_users.last_login_at) for the web role, which may not UPDATE app_users: it can change neither a role nor a password hash."
  as      = <<-SQL
    UPDATE public.app_users SET last_login_at = p_at WHERE id = p_user_id
  SQL
  depends_on = [table.app_users]
}

function "import_merge_staged" {
  schema = schema.sqp
  lang   = PLpgSQL
  arg "deleted" {
    type = bigint
    mode = OUT
  }
  arg "updated" {
    type = bigint
    mode = OUT
  }
  arg "inserted" {
    type = bigint
    mode = OUT
  }
  arg "changed" {
    type = sql("bigint[]")
    mode = OUT
  }
  return   = record
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "The only way the web role changes or deletes stored report rows, as part of an import: makes the query set of every ASIN-week that this transaction staged in sqp.import_staging (rows whose xmin is the current transaction) equal to the staged rows (deletes the queries not staged, updates the ones whose values differ, inserts the new ones, touches the changed ASIN-weeks), then empties the staging table. An ASIN-week nothing was staged for is not touched, so no week can be emptied or rewritten without a replacement staged in the same transaction."
  as      = <<-SQL
    DECLARE
      v_xid  xid := pg_current_xact_id()::xid;
      v_gone bigint[];
      v_upd  bigint[];
      v_ins  bigint[];
    BEGIN
      IF EXISTS (SELECT 1 FROM sqp.import_staging s WHERE s.xmin = v_xid
                  GROUP BY s.asin_performance_id, s.search_query HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'import_merge_staged: a search query is staged twice for one ASIN-week'
          USING ERRCODE = 'unique_violation';
      END IF;
      WITH staged AS (
        SELECT s.asin_performance_id, s.search_query FROM sqp.import_staging s WHERE s.xmin = v_xid
      ), gone AS (
        DELETE FROM sqp.search_query_performance q
         WHERE q.asin_performance_id IN (SELECT w.asin_performance_id FROM staged w)
           AND NOT EXISTS (SELECT 1 FROM staged s
                            WHERE s.asin_performance_id = q.asin_performance_id AND s.search_query = q.search_query)
        RETURNING q.asin_performance_id
      )
      SELECT count(*), coalesce(array_agg(DISTINCT g.asin_performance_id), '{}') INTO deleted, v_gone FROM gone g;
      WITH done AS (
        UPDATE sqp.search_query_performance q
           SET search_query_score = s.search_query_score,
            search_query_volume = s.search_query_volume,
            total_query_impression_count = s.total_query_impression_count,
            asin_impression_count = s.asin_impression_count,
            total_click_count = s.total_click_count,
            asin_click_count = s.asin_click_count,
            total_cart_add_count = s.total_cart_add_count,
            asin_cart_add_count = s.asin_cart_add_count,
            total_purchase_count = s.total_purchase_count,
            asin_purchase_count = s.asin_purchase_count,
            total_median_click_price = s.total_median_click_price,
            asin_median_click_price = s.asin_median_click_price,
            total_median_cart_add_price = s.total_median_cart_add_price,
            asin_median_cart_add_price = s.asin_median_cart_add_price,
            total_median_purchase_price = s.total_median_purchase_price,
            asin_median_purchase_price = s.asin_median_purchase_price,
            currency_code = s.currency_code,
            total_same_day_shipping_click_count = s.total_same_day_shipping_click_count,
            total_one_day_shipping_click_count = s.total_one_day_shipping_click_count,
            total_two_day_shipping_click_count = s.total_two_day_shipping_click_count,
            total_same_day_shipping_cart_add_count = s.total_same_day_shipping_cart_add_count,
            total_one_day_shipping_cart_add_count = s.total_one_day_shipping_cart_add_count,
            total_two_day_shipping_cart_add_count = s.total_two_day_shipping_cart_add_count,
            total_same_day_shipping_purchase_count = s.total_same_day_shipping_purchase_count,
            total_one_day_shipping_purchase_count = s.total_one_day_shipping_purchase_count,
            total_two_day_shipping_purchase_count = s.total_two_day_shipping_purchase_count,
               updated_at = now()
          FROM sqp.import_staging s
         WHERE s.xmin = v_xid
           AND s.asin_performance_id = q.asin_performance_id AND s.search_query = q.search_query
           AND (q.search_query_score, q.search_query_volume, q.total_query_impression_count,
        q.asin_impression_count, q.total_click_count, q.asin_click_count,
        q.total_cart_add_count, q.asin_cart_add_count, q.total_purchase_count,
        q.asin_purchase_count, q.total_median_click_price, q.asin_median_click_price,
        q.total_median_cart_add_price, q.asin_median_cart_add_price, q.total_median_purchase_price,
        q.asin_median_purchase_price, q.currency_code, q.total_same_day_shipping_click_count,
        q.total_one_day_shipping_click_count, q.total_two_day_shipping_click_count, q.total_same_day_shipping_cart_add_count,
        q.total_one_day_shipping_cart_add_count, q.total_two_day_shipping_cart_add_count, q.total_same_day_shipping_purchase_count,
        q.total_one_day_shipping_purchase_count, q.total_two_day_shipping_purchase_count)
               IS DISTINCT FROM
               (s.search_query_score, s.search_query_volume, s.total_query_impression_count,
        s.asin_impression_count, s.total_click_count, s.asin_click_count,
        s.total_cart_add_count, s.asin_cart_add_count, s.total_purchase_count,
        s.asin_purchase_count, s.total_median_click_price, s.asin_median_click_price,
        s.total_median_cart_add_price, s.asin_median_cart_add_price, s.total_median_purchase_price,
        s.asin_median_purchase_price, s.currency_code, s.total_same_day_shipping_click_count,
        s.total_one_day_shipping_click_count, s.total_two_day_shipping_click_count, s.total_same_day_shipping_cart_add_count,
        s.total_one_day_shipping_cart_add_count, s.total_two_day_shipping_cart_add_count, s.total_same_day_shipping_purchase_count,
        s.total_one_day_shipping_purchase_count, s.total_two_day_shipping_purchase_count)
        RETURNING q.asin_performance_id
      )
      SELECT count(*), coalesce(array_agg(DISTINCT d.asin_performance_id), '{}') INTO updated, v_upd FROM done d;
      WITH added AS (
        INSERT INTO sqp.search_query_performance (asin_performance_id, search_query, search_query_score,
        search_query_volume, total_query_impression_count, asin_impression_count,
        total_click_count, asin_click_count, total_cart_add_count,
        asin_cart_add_count, total_purchase_count, asin_purchase_count,
        total_median_click_price, asin_median_click_price, total_median_cart_add_price,
        asin_median_cart_add_price, total_median_purchase_price, asin_median_purchase_price,
        currency_code, total_same_day_shipping_click_count, total_one_day_shipping_click_count,
        total_two_day_shipping_click_count, total_same_day_shipping_cart_add_count, total_one_day_shipping_cart_add_count,
        total_two_day_shipping_cart_add_count, total_same_day_shipping_purchase_count, total_one_day_shipping_purchase_count,
        total_two_day_shipping_purchase_count)
        SELECT s.asin_performance_id, s.search_query, s.search_query_score,
        s.search_query_volume, s.total_query_impression_count, s.asin_impression_count,
        s.total_click_count, s.asin_click_count, s.total_cart_add_count,
        s.asin_cart_add_count, s.total_purchase_count, s.asin_purchase_count,
        s.total_median_click_price, s.asin_median_click_price, s.total_median_cart_add_price,
        s.asin_median_cart_add_price, s.total_median_purchase_price, s.asin_median_purchase_price,
        s.currency_code, s.total_same_day_shipping_click_count, s.total_one_day_shipping_click_count,
        s.total_two_day_shipping_click_count, s.total_same_day_shipping_cart_add_count, s.total_one_day_shipping_cart_add_count,
        s.total_two_day_shipping_cart_add_count, s.total_same_day_shipping_purchase_count, s.total_one_day_shipping_purchase_count,
        s.total_two_day_shipping_purchase_count
          FROM sqp.import_staging s
         WHERE s.xmin = v_xid
           AND NOT EXISTS (SELECT 1 FROM sqp.search_query_performance q
                            WHERE q.asin_performance_id = s.asin_performance_id AND q.search_query = s.search_query)
        RETURNING asin_performance_id
      )
      SELECT count(*), coalesce(array_agg(DISTINCT a.asin_performance_id), '{}') INTO inserted, v_ins FROM added a;
      SELECT coalesce(array_agg(DISTINCT c.id ORDER BY c.id), '{}') INTO changed
        FROM unnest(v_gone || v_upd || v_ins) AS c (id);
      UPDATE sqp.asin_performance_data SET updated_at = now() WHERE id = ANY (changed);
      -- Also clears rows an earlier transaction staged and committed without merging.
      DELETE FROM sqp.import_staging;
    END;
  SQL
  depends_on = [table.search_query_performance, table.asin_performance_data, table.import_staging]
}

permission {
  to         = role.sqpdash_web
  for        = function.app_user_mark_login
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.import_merge_staged
  privileges = [EXECUTE]
}

function "refresh_log_begin" {
  schema = schema.public
  lang   = PLpgSQL
  arg "p_trigger" {
    type = text
  }
  arg "p_requested_by" {
    type = text
  }
  arg "p_force" {
    type = boolean
  }
  arg "log_id" {
    type = bigint
    mode = OUT
  }
  arg "started_at" {
    type = timestamptz
    mode = OUT
  }
  return   = record
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "For refresh_brand_product_segments(), whose caller (the web role) may not write the refresh log: with the refresh lock held by the calling session, marks failed the rows left running by sessions that ended, and logs this session's running row."
  as      = <<-SQL
    #variable_conflict use_variable
    DECLARE
      c_lock constant bigint := pg_catalog.hashtextextended('public.brand_product_segments', 0);
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
                      WHERE l.locktype = 'advisory' AND l.granted AND l.pid = pg_catalog.pg_backend_pid()
                        AND ((l.classid::bigint << 32) | l.objid::bigint) = c_lock) THEN
        RAISE EXCEPTION 'refresh_log_begin: the calling session does not hold the refresh lock'
          USING ERRCODE = 'object_not_in_prerequisite_state';
      END IF;
      -- With the lock held, a row still 'running' belongs to a session that ended before finishing it.
      UPDATE public.materialized_view_refresh_log l
         SET status = 'failed',
             refresh_end = greatest(pg_catalog.clock_timestamp(), l.refresh_start),
             error = 'interrupted: the session running this refresh ended before it finished'
       WHERE l.view_name = 'brand_product_segments' AND l.status = 'running';
      started_at := pg_catalog.clock_timestamp();
      INSERT INTO public.materialized_view_refresh_log
             (view_name, refresh_start, status, trigger_source, requested_by, backend_pid, metadata)
      VALUES ('brand_product_segments', started_at, 'running', p_trigger, p_requested_by, pg_catalog.pg_backend_pid(),
              pg_catalog.jsonb_build_object('force', p_force))
      RETURNING id INTO log_id;
    END;
  SQL
  depends_on = [table.materialized_view_refresh_log]
}

function "refresh_log_finish" {
  schema = schema.public
  lang   = SQL
  arg "p_log_id" {
    type = bigint
  }
  arg "p_status" {
    type = text
  }
  arg "p_finished_at" {
    type = timestamptz
  }
  arg "p_row_count" {
    type = bigint
  }
  arg "p_change_seq" {
    type = bigint
  }
  arg "p_error" {
    type = text
  }
  arg "p_validation" {
    type = jsonb
  }
  arg "p_metadata" {
    type = jsonb
  }
  return   = void
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "For refresh_brand_product_segments(): records the end of the calling session's own running row (p_metadata is merged into its metadata), and of no other row (a finished row cannot be rewritten)."
  as      = <<-SQL
    UPDATE public.materialized_view_refresh_log l
       SET status = p_status, refresh_end = p_finished_at, row_count = p_row_count,
           change_seq = p_change_seq, error = p_error, validation = p_validation,
           metadata = l.metadata || coalesce(p_metadata, '{}'::jsonb)
     WHERE l.id = p_log_id AND l.status = 'running' AND l.backend_pid = pg_catalog.pg_backend_pid()
       AND p_status IN ('success', 'skipped', 'failed', 'cancelled')
  SQL
  depends_on = [table.materialized_view_refresh_log]
}

function "refresh_log_close_ended" {
  schema = schema.public
  lang   = SQL
  arg "p_status" {
    type = text
  }
  arg "p_reason" {
    type = text
  }
  arg "p_pid" {
    type = integer
  }
  return   = bigint
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Marks failed or cancelled (p_status) the running rows whose session has ended (only that of p_pid when given): what a process records after it stopped an interrupted refresh, or on start for runs of processes that died. A live session's row, or a finished row, is never changed."
  as      = <<-SQL
    WITH closed AS (
      UPDATE public.materialized_view_refresh_log l
         SET status = p_status, refresh_end = greatest(pg_catalog.clock_timestamp(), l.refresh_start), error = p_reason
       WHERE l.status = 'running' AND p_status IN ('failed', 'cancelled')
         AND (p_pid IS NULL OR l.backend_pid = p_pid)
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.pid = l.backend_pid)
      RETURNING 1
    )
    SELECT count(*) FROM closed
  SQL
  depends_on = [table.materialized_view_refresh_log]
}

permission {
  to         = role.sqpdash_web
  for        = function.refresh_log_begin
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.refresh_log_finish
  privileges = [EXECUTE]
}

permission {
  to         = role.sqpdash_web
  for        = function.refresh_log_close_ended
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = function.refresh_log_begin
  privileges = [EXECUTE]
}

permission {
  to         = role.authenticated
  for        = function.refresh_log_finish
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.refresh_log_begin
  privileges = [EXECUTE]
}

permission {
  to         = role.service_role
  for        = function.refresh_log_finish
  privileges = [EXECUTE]
}

// ---------------------------------------------------------------------------------------------------------
// Notifications (issues 14 and 15; docs/architecture.md "Notifications"): every sqpdash process LISTENs on the
// channel sqpdash_events and keeps sessions and the data version in memory only while it hears them. The
// triggers below send them, so every writer notifies: the web, `sqpdash users ...`, psql. Payloads are small
// JSON: {"kind":"data","version":"<change_seq>.<refresh id>"} (bump_segment_source_state and a successful
// refresh), {"kind":"session","user":<uuid>} (sessions deleted or changed), {"kind":"user","user":<uuid>}
// (a user changed or deleted, their brand grants changed); no "user" means every user (TRUNCATE).
// NOTIFY is delivered at commit, in commit order, and never for a rolled-back transaction.
// ---------------------------------------------------------------------------------------------------------

function "notify_data_version" {
  schema   = schema.public
  lang     = SQL
  return   = void
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Notifies the current data version (what postgres.DB.DataVersion reads: segment_source_state.change_seq and the id of the last successful refresh of brand_product_segments) on sqpdash_events. SECURITY DEFINER so that any writer may call it through the triggers."
  as      = <<-SQL
    SELECT pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'data', 'version',
             s.change_seq::text || '.' ||
             coalesce((SELECT l.id
                       FROM public.materialized_view_refresh_log l
                       WHERE l.view_name = 'brand_product_segments' AND l.status = 'success'
                       ORDER BY l.id DESC
                       LIMIT 1), 0)::text)::text)
    FROM public.segment_source_state s
  SQL
  depends_on = [view.segment_source_state, table.materialized_view_refresh_log]
}

function "notify_refresh_success" {
  schema   = schema.public
  lang     = PLpgSQL
  return   = trigger
  security = DEFINER
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Row trigger of materialized_view_refresh_log: a run of brand_product_segments that becomes 'success' (the procedure, the spec's incremental function, anyone) notifies the new data version. SECURITY DEFINER: notify_data_version is not executable by PUBLIC, and the spec's roles log their runs themselves."
  as      = <<-SQL
    BEGIN
      IF NEW.view_name = 'brand_product_segments' AND NEW.status = 'success'
         AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'success') THEN
        PERFORM public.notify_data_version();
      END IF;
      RETURN NULL;
    END;
  SQL
  depends_on = [function.notify_data_version]
}

trigger "materialized_view_refresh_log_notify" {
  on = table.materialized_view_refresh_log
  after {
    insert = true
    update = true
  }
  for = ROW
  execute {
    function = function.notify_refresh_success
  }
}

function "notify_session_change" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of app_sessions: notifies {\"kind\":\"session\",\"user\":...} on sqpdash_events for each user whose sessions were deleted or changed, so every process drops what it cached of them. A later last_seen_at (the throttled touch) is no revocation and notifies nothing. TRUNCATE: every user."
  as      = <<-SQL
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'session')::text);
      ELSIF TG_OP = 'UPDATE' THEN
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'session', 'user', d.user_id)::text)
        FROM (SELECT DISTINCT o.user_id
              FROM old_rows o
              WHERE NOT EXISTS (SELECT 1 FROM new_rows n
                                WHERE n.token_hash = o.token_hash AND n.user_id = o.user_id
                                  AND n.expires_at = o.expires_at AND n.last_seen_at >= o.last_seen_at)) d;
      ELSE -- DELETE
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'session', 'user', d.user_id)::text)
        FROM (SELECT DISTINCT user_id FROM old_rows) d;
      END IF;
      RETURN NULL;
    END;
  SQL
}

function "notify_user_change" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of app_users: notifies {\"kind\":\"user\",\"user\":...} on sqpdash_events for each user deleted or whose email, password, role or active flag changed (a sign-in time alone notifies nothing). TRUNCATE: every user."
  as      = <<-SQL
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'user')::text);
      ELSIF TG_OP = 'UPDATE' THEN
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'user', 'user', d.id)::text)
        FROM (SELECT DISTINCT o.id
              FROM old_rows o
              WHERE NOT EXISTS (SELECT 1 FROM new_rows n
                                WHERE n.id = o.id AND n.email = o.email AND n.password_hash = o.password_hash
                                  AND n.role = o.role AND n.is_active = o.is_active)) d;
      ELSE -- DELETE
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'user', 'user', d.id)::text)
        FROM (SELECT DISTINCT id FROM old_rows) d;
      END IF;
      RETURN NULL;
    END;
  SQL
}

function "notify_user_brands_change" {
  schema = schema.public
  lang   = PLpgSQL
  return = trigger
  config_params {
    search_path = "pg_catalog, pg_temp"
  }
  comment = "Statement trigger of app_user_brands: notifies {\"kind\":\"user\",\"user\":...} on sqpdash_events for each user whose brand grants changed. TRUNCATE: every user."
  as      = <<-SQL
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'user')::text);
      ELSIF TG_OP = 'INSERT' THEN
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'user', 'user', d.user_id)::text)
        FROM (SELECT DISTINCT user_id FROM new_rows) d;
      ELSIF TG_OP = 'UPDATE' THEN
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'user', 'user', d.user_id)::text)
        FROM (SELECT user_id FROM old_rows UNION SELECT user_id FROM new_rows) d;
      ELSE -- DELETE
        PERFORM pg_catalog.pg_notify('sqpdash_events', pg_catalog.json_build_object('kind', 'user', 'user', d.user_id)::text)
        FROM (SELECT DISTINCT user_id FROM old_rows) d;
      END IF;
      RETURN NULL;
    END;
  SQL
}

trigger "app_sessions_notify_update" {
  on = table.app_sessions
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.notify_session_change
  }
}

trigger "app_sessions_notify_delete" {
  on = table.app_sessions
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.notify_session_change
  }
}

trigger "app_sessions_notify_truncate" {
  on = table.app_sessions
  after {
    truncate = true
  }
  execute {
    function = function.notify_session_change
  }
}

trigger "app_users_notify_update" {
  on = table.app_users
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.notify_user_change
  }
}

trigger "app_users_notify_delete" {
  on = table.app_users
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.notify_user_change
  }
}

trigger "app_users_notify_truncate" {
  on = table.app_users
  after {
    truncate = true
  }
  execute {
    function = function.notify_user_change
  }
}

trigger "app_user_brands_notify_insert" {
  on = table.app_user_brands
  after {
    insert = true
  }
  referencing {
    new = "new_rows"
  }
  execute {
    function = function.notify_user_brands_change
  }
}

trigger "app_user_brands_notify_update" {
  on = table.app_user_brands
  after {
    update = true
  }
  referencing {
    old = "old_rows"
    new = "new_rows"
  }
  execute {
    function = function.notify_user_brands_change
  }
}

trigger "app_user_brands_notify_delete" {
  on = table.app_user_brands
  after {
    delete = true
  }
  referencing {
    old = "old_rows"
  }
  execute {
    function = function.notify_user_brands_change
  }
}

trigger "app_user_brands_notify_truncate" {
  on = table.app_user_brands
  after {
    truncate = true
  }
  execute {
    function = function.notify_user_brands_change
  }
}

// The web role reads the totals (the expansion's top queries) and never writes them: its imports reach them
// only through the definer trigger functions.
permission {
  to         = role.sqpdash_web
  for        = table.report_totals
  privileges = [SELECT]
}
