-- Text keys compare exactly (issue 11, items 1 and 2): `Ann@x` and `ann@x`,
-- `ACME` and `acme `, idempotency keys `aB3x` and `Ab3X` are different values,
-- as they are on SQLite. A binary collation that does NOT pad: utf8mb4_bin
-- ignores trailing spaces ('a' = 'a '), which would still merge recipients and
-- collide in the unique keys. Its name differs per engine (MariaDB:
-- utf8mb4_nopad_bin; MySQL 8: utf8mb4_0900_bin), and a migration is plain SQL,
-- so the name is picked at run time and the ALTERs run as prepared statements
-- (the migrator runs every statement on one connection).
SET @digest_bin = IF(VERSION() LIKE '%MariaDB%', 'utf8mb4_nopad_bin', 'utf8mb4_0900_bin');
--> statement-breakpoint
SET @digest_sql = CONCAT(
  'ALTER TABLE `digest_events`',
  ' MODIFY `type` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NOT NULL,',
  ' MODIFY `recipient` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NOT NULL,',
  ' MODIFY `idempotency_key` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NULL');
--> statement-breakpoint
PREPARE digest_alter FROM @digest_sql;
--> statement-breakpoint
EXECUTE digest_alter;
--> statement-breakpoint
DEALLOCATE PREPARE digest_alter;
--> statement-breakpoint
SET @digest_sql = CONCAT(
  'ALTER TABLE `digest_deliveries`',
  ' MODIFY `event_type` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NOT NULL,',
  ' MODIFY `recipient` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NOT NULL,',
  ' MODIFY `group_key` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NOT NULL');
--> statement-breakpoint
PREPARE digest_alter FROM @digest_sql;
--> statement-breakpoint
EXECUTE digest_alter;
--> statement-breakpoint
DEALLOCATE PREPARE digest_alter;
--> statement-breakpoint
SET @digest_sql = CONCAT(
  'ALTER TABLE `digest_runs`',
  ' MODIFY `event_type` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin, ' NOT NULL');
--> statement-breakpoint
PREPARE digest_alter FROM @digest_sql;
--> statement-breakpoint
EXECUTE digest_alter;
--> statement-breakpoint
DEALLOCATE PREPARE digest_alter;
