import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { allFailed } from './batch-results.js';
import { mailMessage } from './mail-message.js';
import type { OutgoingMessage, Transport } from './transport.js';

export interface FileTransportOptions {
  dir: string;
  from: string;
}

/** One file per delivery, named by its id, so a re-send overwrites rather than duplicates. */
export const emlFileName = (deliveryId: number) => `delivery-${String(deliveryId).padStart(6, '0')}.eml`;


/**
 * Writes each delivery as a `.eml` file into `dir`. nodemailer's stream
 * transport builds the MIME (headers, encodings, text/html alternatives),
 * so the files open in any mail client and can be replayed to an SMTP
 * server as they are.
 */
export function fileTransport(name: string, options: FileTransportOptions): Transport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  // Every call, single or batch (it is cheap): the outbox may be cleaned out while we run.
  const ensureDir = () => mkdir(options.dir, { recursive: true });

  /** Composes one message and writes its file; the directory exists. */
  async function writeEml(message: OutgoingMessage): Promise<void> {
    const info = await composer.sendMail(mailMessage(options.from, message));
    const target = join(options.dir, emlFileName(message.deliveryId));
    // Write-then-rename: rename is atomic within a directory, so a reader
    // (or a crash) never sees a half-written .eml; the dot-prefixed .tmp
    // name is ignored by anything that looks for *.eml.
    const temp = join(options.dir, `.${emlFileName(message.deliveryId)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, info.message as Buffer);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  return {
    name,
    // Local files: bounded by the disk, not by a server's connections.
    concurrency: 64,
    // Files written at once by one batch (libuv's thread pool queues the rest).
    batchSize: 256,
    async send(message: OutgoingMessage) {
      await ensureDir();
      await writeEml(message);
    },
    // One mkdir for the batch, then every file at once; each file settles on
    // its own, so one that cannot be written fails only its delivery.
    async sendBatch(messages) {
      try {
        await ensureDir();
      } catch (err) {
        return allFailed(messages.length, err);
      }
      return Promise.allSettled(messages.map(writeEml));
    },
    async close() {
      composer.close();
    },
  };
}
