// Registers the federation and messages pages' catalogue; imported by the modules that show its
// strings.
import { addMessages } from '../i18n';
import { federationEn } from './federation-en';
import { federationFr } from './federation-fr';
import { federationEs } from './federation-es';

addMessages({ en: federationEn, fr: federationFr, es: federationEs });
