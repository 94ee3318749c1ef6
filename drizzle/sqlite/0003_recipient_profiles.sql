CREATE TABLE `digest_recipients` (
	`recipient` text PRIMARY KEY NOT NULL,
	`time_zone` text,
	`locale` text,
	`quiet_start` text,
	`quiet_end` text,
	`preferences` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')) NOT NULL,
	CONSTRAINT "digest_recipients_preferences_json" CHECK(json_valid("preferences"))
);
