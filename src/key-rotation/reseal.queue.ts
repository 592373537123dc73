/** The job that moves every sealed value to the current SECRET_KEY. */
export const RESEAL_QUEUE = 'security.reseal';
