-- Unique keys whose optional part is NULL, rebuilt so that part's row has
-- every key part NULL (issue 14). A Galera node certifies each row a
-- transaction writes by the values of the table's unique keys, unless all
-- their parts are NULL: under UNIQUE (type, idempotency_key) every event
-- recorded without a key shared the key ('Order.Created', NULL), so two nodes
-- writing any events of one type at once conflicted at COMMIT; the same for
-- UNIQUE (event_type, slot_at) and unslotted runs. The new keys cover the same
-- rows: (idempotency_key, type) for keyed events, (slot_at, type) for slotted
-- runs, through a virtual column holding the type only for those rows. Its
-- collation is the exact one of migration 0001 (engine-specific, hence the
-- prepared statements). The new key is added before the old one is dropped,
-- so uniqueness holds throughout.
SET @digest_bin = IF(VERSION() LIKE '%MariaDB%', 'utf8mb4_nopad_bin', 'utf8mb4_0900_bin');
--> statement-breakpoint
SET @digest_sql = CONCAT(
  'ALTER TABLE `digest_events` ADD `idempotency_scope` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin,
  ' GENERATED ALWAYS AS ((CASE WHEN idempotency_key IS NULL THEN NULL ELSE type END)) VIRTUAL');
--> statement-breakpoint
PREPARE digest_alter FROM @digest_sql;
--> statement-breakpoint
EXECUTE digest_alter;
--> statement-breakpoint
DEALLOCATE PREPARE digest_alter;
--> statement-breakpoint
SET @digest_sql = CONCAT(
  'ALTER TABLE `digest_runs` ADD `slot_scope` varchar(191) CHARACTER SET utf8mb4 COLLATE ', @digest_bin,
  ' GENERATED ALWAYS AS ((CASE WHEN slot_at IS NULL THEN NULL ELSE event_type END)) VIRTUAL');
--> statement-breakpoint
PREPARE digest_alter FROM @digest_sql;
--> statement-breakpoint
EXECUTE digest_alter;
--> statement-breakpoint
DEALLOCATE PREPARE digest_alter;
--> statement-breakpoint
ALTER TABLE `digest_events` ADD CONSTRAINT `digest_events_key` UNIQUE(`idempotency_key`,`idempotency_scope`);
--> statement-breakpoint
ALTER TABLE `digest_runs` ADD CONSTRAINT `digest_runs_slot_key` UNIQUE(`slot_at`,`slot_scope`);
--> statement-breakpoint
ALTER TABLE `digest_events` DROP INDEX `digest_events_idempotency`;
--> statement-breakpoint
ALTER TABLE `digest_runs` DROP INDEX `digest_runs_slot`;
