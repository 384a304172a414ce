-- Weekly reporting rollups (docs/reports.md): a long period in week buckets reads one row per
-- key and bin for each whole week instead of seven. Filled by a trigger from the daily rows,
-- as the monthly ones are, so that nodes of the previous release keep it complete during a
-- rolling upgrade.

-- Per UTC week from Monday, named by its Monday (days since the epoch, a Thursday).
CREATE TABLE report_weekly (
    fact       TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    week       BIGINT NOT NULL,
    key        TEXT NOT NULL,
    bin        BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    PRIMARY KEY (fact, dimension, week, key, bin)
);

-- The Monday of the UTC week holding `day` (both in days since the epoch; never negative).
CREATE FUNCTION report_week_of(day BIGINT) RETURNS BIGINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT day - (day + 3) % 7
$$;

INSERT INTO report_weekly (fact, dimension, week, key, bin, n, total)
SELECT fact, dimension, report_week_of(day), key, bin, SUM(n), SUM(total)
FROM report_daily
GROUP BY 1, 2, 3, 4, 5;

-- Adds a daily row's change to its week: the new row on insert, the difference on update,
-- the old row taken away on delete.
CREATE FUNCTION report_daily_to_weekly() RETURNS trigger
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
    INSERT INTO report_weekly AS w (fact, dimension, week, key, bin, n, total)
    VALUES (changed.fact, changed.dimension, report_week_of(changed.day), changed.key,
            changed.bin, n_delta, total_delta)
    ON CONFLICT (fact, dimension, week, key, bin)
    DO UPDATE SET n = w.n + excluded.n, total = w.total + excluded.total;
    RETURN NULL;
END;
$$;

CREATE TRIGGER report_daily_to_weekly AFTER INSERT OR UPDATE OR DELETE ON report_daily
FOR EACH ROW EXECUTE FUNCTION report_daily_to_weekly();
