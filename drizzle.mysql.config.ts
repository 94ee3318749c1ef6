import { defineConfig } from 'drizzle-kit';

// Generates drizzle/mysql/ from the schema; no database connection needed.
export default defineConfig({
  dialect: 'mysql',
  schema: './src/store/schema/mysql.ts',
  out: './drizzle/mysql',
});
