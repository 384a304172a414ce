-- Monthly reporting rollups (docs/reports.md): a year's report reads twelve rows per key and
-- bin instead of 365. Filled by a trigger from the daily rows rather than by the service, so
-- that nodes of the previous release, which write the hourly and daily rows themselves, keep
-- it complete during a rolling upgrade.

-- Per UTC month, named by its first day (days since the epoch).
CREATE TABLE report_monthly (
    fact       TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    month      INTEGER NOT NULL,
    key        TEXT NOT NULL,
    bin        INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    PRIMARY KEY (fact, dimension, month, key, bin)
) WITHOUT ROWID;

INSERT INTO report_monthly (fact, dimension, month, key, bin, n, total)
SELECT fact, dimension,
       CAST(strftime('%s', day * 86400, 'unixepoch', 'start of month') AS INTEGER) / 86400,
       key, bin, SUM(n), SUM(total)
FROM report_daily
GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER report_daily_added AFTER INSERT ON report_daily
BEGIN
    INSERT INTO report_monthly (fact, dimension, month, key, bin, n, total)
    VALUES (NEW.fact, NEW.dimension,
            CAST(strftime('%s', NEW.day * 86400, 'unixepoch', 'start of month') AS INTEGER) / 86400,
            NEW.key, NEW.bin, NEW.n, NEW.total)
    ON CONFLICT (fact, dimension, month, key, bin)
    DO UPDATE SET n = n + excluded.n, total = total + excluded.total;
END;

CREATE TRIGGER report_daily_changed AFTER UPDATE ON report_daily
BEGIN
    INSERT INTO report_monthly (fact, dimension, month, key, bin, n, total)
    VALUES (NEW.fact, NEW.dimension,
            CAST(strftime('%s', NEW.day * 86400, 'unixepoch', 'start of month') AS INTEGER) / 86400,
            NEW.key, NEW.bin, NEW.n - OLD.n, NEW.total - OLD.total)
    ON CONFLICT (fact, dimension, month, key, bin)
    DO UPDATE SET n = n + excluded.n, total = total + excluded.total;
END;

CREATE TRIGGER report_daily_removed AFTER DELETE ON report_daily
BEGIN
    UPDATE report_monthly SET n = n - OLD.n, total = total - OLD.total
    WHERE fact = OLD.fact AND dimension = OLD.dimension
      AND month = CAST(strftime('%s', OLD.day * 86400, 'unixepoch', 'start of month') AS INTEGER) / 86400
      AND key = OLD.key AND bin = OLD.bin;
END;
