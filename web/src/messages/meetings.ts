// Registers the meetings pages' catalogue (and the cooperation catalogue it builds on); imported by
// the modules that show its strings.
import { addMessages } from '../i18n';
import './coop';
import { meetingsEn } from './meetings-en';
import { meetingsFr } from './meetings-fr';
import { meetingsEs } from './meetings-es';

addMessages({ en: meetingsEn, fr: meetingsFr, es: meetingsEs });
