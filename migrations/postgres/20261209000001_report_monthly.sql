-- Monthly reporting rollups (docs/reports.md): a year's report reads twelve rows per key and
-- bin instead of 365. Filled by a trigger from the daily rows rather than by the service, so
-- that nodes of the previous release, which write the hourly and daily rows themselves, keep
-- it complete during a rolling upgrade.

-- Per UTC month, named by its first day (days since the epoch).
CREATE TABLE report_monthly (
    fact       TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    month      BIGINT NOT NULL,
    key        TEXT NOT NULL,
    bin        BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    PRIMARY KEY (fact, dimension, month, key, bin)
);

-- The first day of the UTC month holding `day` (both in days since the epoch).
CREATE FUNCTION report_month_of(day BIGINT) RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (date_trunc('month', (DATE '1970-01-01' + day::integer)::timestamp)::date
            - DATE '1970-01-01')::bigint
$$;

INSERT INTO report_monthly (fact, dimension, month, key, bin, n, total)
SELECT fact, dimension, report_month_of(day), key, bin, SUM(n), SUM(total)
FROM report_daily
GROUP BY 1, 2, 3, 4, 5;

-- Adds a daily row's change to its month: the new row on insert, the difference on update,
-- the old row taken away on delete.
CREATE FUNCTION report_daily_to_monthly() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    changed report_daily;
    n_delta BIGINT;
    total_delta BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD;
        n_delta := -OLD.n;
        total_delta := -OLD.total;
    ELSIF TG_OP = 'UPDATE' THEN
        changed := NEW;
        n_delta := NEW.n - OLD.n;
        total_delta := NEW.total - OLD.total;
    ELSE
        changed := NEW;
        n_delta := NEW.n;
        total_delta := NEW.total;
    END IF;
    INSERT INTO report_monthly AS m (fact, dimension, month, key, bin, n, total)
    VALUES (changed.fact, changed.dimension, report_month_of(changed.day), changed.key,
            changed.bin, n_delta, total_delta)
    ON CONFLICT (fact, dimension, month, key, bin)
    DO UPDATE SET n = m.n + excluded.n, total = m.total + excluded.total;
    RETURN NULL;
END;
$$;

CREATE TRIGGER report_daily_to_monthly AFTER INSERT OR UPDATE OR DELETE ON report_daily
FOR EACH ROW EXECUTE FUNCTION report_daily_to_monthly();
