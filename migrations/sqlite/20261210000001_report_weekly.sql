-- Weekly reporting rollups (docs/reports.md): a long period in week buckets reads one row per
-- key and bin for each whole week instead of seven. Filled by triggers from the daily rows,
-- as the monthly ones are, so that nodes of the previous release keep it complete during a
-- rolling upgrade.

-- Per UTC week from Monday, named by its Monday (days since the epoch, a Thursday; the
-- Monday of day d is d - (d + 3) % 7).
CREATE TABLE report_weekly (
    fact       TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    week       INTEGER NOT NULL,
    key        TEXT NOT NULL,
    bin        INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    PRIMARY KEY (fact, dimension, week, key, bin)
) WITHOUT ROWID;

INSERT INTO report_weekly (fact, dimension, week, key, bin, n, total)
SELECT fact, dimension, day - (day + 3) % 7, key, bin, SUM(n), SUM(total)
FROM report_daily
GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER report_daily_added_weekly AFTER INSERT ON report_daily
BEGIN
    INSERT INTO report_weekly (fact, dimension, week, key, bin, n, total)
    VALUES (NEW.fact, NEW.dimension, NEW.day - (NEW.day + 3) % 7, NEW.key, NEW.bin,
            NEW.n, NEW.total)
    ON CONFLICT (fact, dimension, week, key, bin)
    DO UPDATE SET n = n + excluded.n, total = total + excluded.total;
END;

CREATE TRIGGER report_daily_changed_weekly AFTER UPDATE ON report_daily
BEGIN
    INSERT INTO report_weekly (fact, dimension, week, key, bin, n, total)
    VALUES (NEW.fact, NEW.dimension, NEW.day - (NEW.day + 3) % 7, NEW.key, NEW.bin,
            NEW.n - OLD.n, NEW.total - OLD.total)
    ON CONFLICT (fact, dimension, week, key, bin)
    DO UPDATE SET n = n + excluded.n, total = total + excluded.total;
END;

CREATE TRIGGER report_daily_removed_weekly AFTER DELETE ON report_daily
BEGIN
    UPDATE report_weekly SET n = n - OLD.n, total = total - OLD.total
    WHERE fact = OLD.fact AND dimension = OLD.dimension
      AND week = OLD.day - (OLD.day + 3) % 7 AND key = OLD.key AND bin = OLD.bin;
END;
