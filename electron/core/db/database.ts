import Database from 'better-sqlite3';

export type Db = Database.Database;

/** Opens a SQLite database in WAL mode with the settings every Gatehouse database uses. */
export function openDatabase(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
