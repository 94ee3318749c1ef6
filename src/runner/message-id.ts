/**
 * The delivery's stable Message-ID: derived from its id only, so a re-send
 * after a crash carries the same one and receivers can drop the duplicate.
 */
export const messageIdFor = (deliveryId: number, domain = 'digest.local') => `<delivery.${deliveryId}@${domain}>`;
