// Registers the workflow pages' catalogues (and the cooperation catalogue they build on);
// imported by the modules that show their strings.
import { addMessages } from '../i18n';
import './coop';
import { flowsEn } from './flows-en';
import { flowsFr } from './flows-fr';
import { flowsEs } from './flows-es';

addMessages({ en: flowsEn, fr: flowsFr, es: flowsEs });
