-- Recipient send windows, quiet hours and suppression (issue 15).
-- digest_suppressions.address is stored lower-cased by the application, so
-- the table's default collation is fine for it.
CREATE TABLE `digest_suppressions` (
	`address` varchar(320) NOT NULL,
	`reason` varchar(32) NOT NULL,
	`detail` text,
	`created_at` datetime(3) NOT NULL DEFAULT (UTC_TIMESTAMP(3)),
	CONSTRAINT `digest_suppressions_address` PRIMARY KEY(`address`)
);
--> statement-breakpoint
ALTER TABLE `digest_deliveries` ADD `slot_at` datetime(3), ADD `slot_key` char(64), ADD CONSTRAINT `digest_deliveries_slot` UNIQUE(`slot_key`);
--> statement-breakpoint
-- One ALTER: the claim index is replaced in the same statement that adds the
-- column it now leads with, so there is no moment without a claim index.
ALTER TABLE `digest_events` ADD `held_until` datetime(3),
	DROP INDEX `digest_events_claim`,
	ADD INDEX `digest_events_claim` (`type`,`delivery_id`,`held_until`,`recipient`,`available_at`),
	ADD INDEX `digest_events_held` (`held_until`,`type`);
