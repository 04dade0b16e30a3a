// Registers the cooperation pages' catalogues; imported by the modules that show their strings.
import { addMessages } from '../i18n';
import { coopEn } from './coop-en';
import { coopFr } from './coop-fr';
import { coopEs } from './coop-es';

addMessages({ en: coopEn, fr: coopFr, es: coopEs });
