CREATE TABLE `digest_flushes` (
	`type` varchar(191) NOT NULL,
	`recipient` varchar(191) NOT NULL,
	`event_id` bigint unsigned NOT NULL,
	`requested_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	CONSTRAINT `digest_flushes_pk` PRIMARY KEY(`type`,`recipient`)
);
--> statement-breakpoint
-- type and recipient compare exactly, like the events' columns they name
-- (see 0001_exact_text_keys, 0004_recipient_profiles).
SET @digest_bin = IF(VERSION() LIKE '%MariaDB%', 'utf8mb4_nopad_bin', 'utf8mb4_0900_bin');
--> statement-breakpoint
SET @digest_sql = CONCAT(
  'ALTER TABLE `digest_flushes`',
  ' MODIFY `type` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NOT NULL,',
  ' MODIFY `recipient` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NOT NULL');
--> statement-breakpoint
PREPARE digest_alter FROM @digest_sql;
--> statement-breakpoint
EXECUTE digest_alter;
--> statement-breakpoint
DEALLOCATE PREPARE digest_alter;
