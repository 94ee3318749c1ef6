import { defineConfig } from 'drizzle-kit';

// Generates drizzle/sqlite/ from the schema; no database connection needed.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/schema/sqlite.ts',
  out: './drizzle/sqlite',
});
