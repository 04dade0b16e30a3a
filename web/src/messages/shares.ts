// Registers the shares pages' catalogue (and the cooperation catalogue it builds on); imported by
// the modules that show its strings.
import { addMessages } from '../i18n';
import './coop';
import { sharesEn } from './shares-en';
import { sharesFr } from './shares-fr';
import { sharesEs } from './shares-es';

addMessages({ en: sharesEn, fr: sharesFr, es: sharesEs });
