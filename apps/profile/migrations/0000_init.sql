CREATE TABLE "profiles" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"display_name" text,
	"shipping_address" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
