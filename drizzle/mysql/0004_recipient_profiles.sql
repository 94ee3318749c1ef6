CREATE TABLE `digest_recipients` (
	`recipient` varchar(191) NOT NULL,
	`time_zone` varchar(64),
	`locale` varchar(64),
	`quiet_start` char(5),
	`quiet_end` char(5),
	`preferences` json NOT NULL,
	`updated_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	CONSTRAINT `digest_recipients_recipient` PRIMARY KEY(`recipient`)
);
--> statement-breakpoint
-- The recipient key compares exactly, like the events' recipient it matches
-- (see 0001_exact_text_keys): `Ann@x` and `ann@x` are two profiles. Hand-added
-- (drizzle cannot express the collation); the name differs per engine, so it
-- is picked at run time and the ALTER runs as a prepared statement.
SET @digest_bin = IF(VERSION() LIKE '%MariaDB%', 'utf8mb4_nopad_bin', 'utf8mb4_0900_bin');
--> statement-breakpoint
SET @digest_sql = CONCAT(
  'ALTER TABLE `digest_recipients`',
  ' MODIFY `recipient` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NOT NULL');
--> statement-breakpoint
PREPARE digest_alter FROM @digest_sql;
--> statement-breakpoint
EXECUTE digest_alter;
--> statement-breakpoint
DEALLOCATE PREPARE digest_alter;
